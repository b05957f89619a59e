import { useCallback, useEffect } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { toOutboxFile } from '../../lib/outbox-files';
import { useCommandRunner } from '../../lib/use-command-runner';
import { goBack } from '../../lib/use-route';
import { useSession } from '../../lib/use-session';
import { useSlice } from '../../lib/use-slice';
import { AppHeader } from '../app-header';
import { Avatar } from '../avatar';
import { Composer } from '../composer';
import { ConnectionBanner } from '../connection-banner';
import { MessageList } from '../message-list';
import { rememberLeftChat } from '../../lib/return-focus';
import { PeerStatus } from '../peer-status';
import styles from './conversation-view.module.css';

export function ConversationView({ peer }: { peer: string }) {
  const { session } = useSession();
  const thread = useSlice(session.state, (state) => state.threads[peer]);
  const displayName = useSlice(session.state, (state) => state.people[peer]?.displayName ?? null);
  const photoUrl = useSlice(session.state, (state) => state.people[peer]?.photoUrl ?? null);

  useEffect(() => {
    void session.openConversation(peer);
    return () => session.closeConversation();
  }, [session, peer]);

  const sendText = useCallback(
    async (text: string) => {
      await session.send(peer, text);
      return null;
    },
    [session, peer],
  );
  const runCommand = useCommandRunner(sendText);
  const sendFiles = useCallback(
    async (text: string, files: File[]) => {
      await session.send(peer, text, await Promise.all(files.map(toOutboxFile)));
      return null;
    },
    [session, peer],
  );
  const loadOlder = useCallback(() => void session.loadOlder(peer), [session, peer]);
  const typing = useCallback(() => session.people.typingTo(peer), [session, peer]);

  return (
    <>
      <AppHeader
        onBack={() => {
          rememberLeftChat(peer);
          goBack();
        }}
      >
        <Avatar name={peer} label={displayName} photoUrl={photoUrl} size="small" />
        <span class={styles.heading}>
          <h1 class={styles.peer} title={peer}>
            {displayName ?? peer}
          </h1>
          <PeerStatus peer={peer} class={styles.sub} />
        </span>
      </AppHeader>
      <ConnectionBanner />
      <main class={styles.main}>
        {thread?.missing ? (
          <p class={styles.missing} role="alert">
            {t('noSuchUser', { name: peer })}
          </p>
        ) : (
          <MessageList
            messages={thread?.messages ?? []}
            me={session.me}
            label={t('messageLabel', { name: peer })}
            before={thread?.before}
            loadingOlder={thread?.loadingOlder ?? false}
            onLoadOlder={loadOlder}
            beginningText={t('beginning')}
            emptyText={t('noMessages')}
          />
        )}
        <Composer label={t('messageLabel', { name: peer })} onSubmit={runCommand} onSubmitFiles={sendFiles} onTyping={typing} autoFocus />
      </main>
    </>
  );
}
