import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ConversationList } from './components/conversation-list';
import { ConversationView } from './components/conversation-view';
import { ErrorBoundary } from './components/error-boundary';
import { HistoryScreen } from './components/history-screen';
import { LiveAnnouncer } from './components/live-announcer';
import { LoginScreen } from './components/login-screen';
import { SettingsScreen } from './components/settings-screen';
import { api } from './api/client';
import { ChatSession } from './chat/chat-session';
import { renewPushSubscription } from './device/web-push';
import { browserDevice } from './device/browser-device';
import { t } from './lib/i18n';
import type { ChatCache } from './chat/chat-cache';
import { SessionContext, type SessionContextValue } from './lib/session-context';
import { type Route, navigate, useRoute } from './lib/use-route';
import { useVisualViewport } from './lib/use-visual-viewport';

type AppPhase = { name: 'starting' } | { name: 'login'; notice?: string } | { name: 'ready'; session: ChatSession; notice: string | null };

function routeKey(route: Route): string {
  return route.name === 'chat' ? `chat:${route.peer}` : route.name;
}

export function App({ cache }: { cache: ChatCache }) {
  const [phase, setPhase] = useState<AppPhase>({ name: 'starting' });
  const route = useRoute();
  useVisualViewport();

  const startSession = useCallback(
    async (username: string, notice: string | null) => {
      const session = new ChatSession(username, { api, cache, device: browserDevice }, () => {
        navigate({ name: 'list' }, { replace: true });
        setPhase({ name: 'login', notice: t('sessionEnded') });
      });
      await session.start();
      setPhase({ name: 'ready', session, notice });
      // Gives the server this browser's push subscription again (a new login, a lost record, a new key: issue #17).
      void renewPushSubscription().catch((error: unknown) => console.warn('papo: push subscription not renewed', error));
    },
    [cache],
  );

  useEffect(() => {
    // A user remembered on this device starts straight into the (cached) chats, online or not; the first request
    // that gets a 401 sends them back here. Nobody remembered: the login screen, with no request at all.
    void cache.getMeta('user').then((user) => (user ? startSession(user, null) : setPhase({ name: 'login' })));
  }, [cache, startSession]);

  const onLoggedIn = useCallback(
    async (username: string, created: boolean) => {
      if ((await cache.getMeta('user')) !== username) await cache.clearChats();
      await cache.setMeta('user', username);
      navigate({ name: 'list' }, { replace: true });
      await startSession(username, created ? t('welcomeNew', { name: username }) : null);
    },
    [cache, startSession],
  );

  const session = phase.name === 'ready' ? phase.session : null;
  const context = useMemo<SessionContextValue | null>(
    () =>
      session && {
        session,
        logout: async () => {
          // Logging out stops sending: what waits in the outbox would sit on this device until this person logs
          // in here again, so ask first (issue #19, item 8).
          const unsent = await session.unsentCount();
          if (unsent > 0 && !confirm(t('logoutUnsent', { n: unsent }))) return;
          await session.logout();
          navigate({ name: 'list' }, { replace: true });
          setPhase({ name: 'login' });
        },
        deleteAccount: async (password) => {
          await session.deleteAccount(password);
          navigate({ name: 'list' }, { replace: true });
          setPhase({ name: 'login', notice: t('accountDeleted') });
        },
      },
    [session],
  );

  if (phase.name === 'starting') return null;
  if (phase.name === 'login' || !context) {
    return (
      <ErrorBoundary>
        <LoginScreen onLoggedIn={onLoggedIn} notice={phase.name === 'login' ? phase.notice : undefined} />
      </ErrorBoundary>
    );
  }
  return (
    <SessionContext.Provider value={context}>
      <LiveAnnouncer />
      <ErrorBoundary key={routeKey(route)}>
        {route.name === 'chat' ? (
          <ConversationView peer={route.peer} />
        ) : route.name === 'history' ? (
          <HistoryScreen />
        ) : route.name === 'settings' ? (
          <SettingsScreen />
        ) : (
          <ConversationList
            notice={phase.name === 'ready' ? phase.notice : null}
            onDismissNotice={() => setPhase((p) => (p.name === 'ready' ? { ...p, notice: null } : p))}
          />
        )}
      </ErrorBoundary>
    </SessionContext.Provider>
  );
}
