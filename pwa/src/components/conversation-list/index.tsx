import { useEffect, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { takeLeftChat } from '../../lib/return-focus';
import { navigate } from '../../lib/use-route';
import { useSession } from '../../lib/use-session';
import { useSlice } from '../../lib/use-slice';
import { AppHeader, HeaderButton } from '../app-header';
import { ConnectionBanner } from '../connection-banner';
import { ConversationRow } from '../conversation-row';
import { NewChatForm } from '../new-chat-form';
import { SearchPanel } from '../search-panel';
import styles from './conversation-list.module.css';

export function ConversationList({ notice, onDismissNotice }: { notice: string | null; onDismissNotice: () => void }) {
  const { session, logout } = useSession();
  const conversations = useSlice(session.state, (state) => state.conversations);
  const people = useSlice(session.state, (state) => state.people);
  const peers = conversations.map((c) => c.with).join(',');
  const [searching, setSearching] = useState(false);
  useEffect(() => {
    // Display names of the rows (issue #19, item 12): asked again when the list is shown or its people change.
    if (peers) void session.people.refresh(peers.split(','));
  }, [session, peers]);
  useEffect(() => {
    const peer = takeLeftChat();
    if (peer) document.querySelector<HTMLElement>(`a[data-peer="${CSS.escape(peer)}"]`)?.focus();
  }, []);
  return (
    <>
      <AppHeader
        actions={
          <>
            <HeaderButton icon="search" label={t('searchLabel')} onClick={() => setSearching(true)} />
            <HeaderButton icon="history" label={t('history')} onClick={() => navigate({ name: 'history' })} />
            <HeaderButton icon="settings" label={t('settings')} onClick={() => navigate({ name: 'settings' })} />
            <HeaderButton icon="logout" label={t('logout')} onClick={() => void logout()} />
          </>
        }
      >
        <h1 class={styles.title}>{t('appName')}</h1>
      </AppHeader>
      <ConnectionBanner />
      <main class={styles.main}>
        {searching && (
          <SearchPanel
            onClose={() => setSearching(false)}
            onOpen={(message) => {
              const peer = message.from === session.me ? message.to : message.from;
              session.changes.showWhenOpened(peer, message.id);
              setSearching(false);
              navigate({ name: 'chat', peer });
            }}
          />
        )}
        {notice && (
          <p class={styles.notice} role="status">
            <span>{notice}</span>
            <button type="button" class={styles.dismiss} onClick={onDismissNotice} aria-label="OK">
              OK
            </button>
          </p>
        )}
        <NewChatForm />
        <h2 class="visually-hidden">{t('chats')}</h2>
        {conversations.length === 0 ? (
          <p class={styles.empty}>{t('noChats')}</p>
        ) : (
          <ul class={styles.list} aria-label={t('chats')}>
            {conversations.map((conversation) => (
              <ConversationRow
                key={conversation.with}
                conversation={conversation}
                me={session.me}
                displayName={people[conversation.with]?.displayName}
                photoUrl={people[conversation.with]?.photoUrl}
                onOpen={(peer) => navigate({ name: 'chat', peer })}
              />
            ))}
          </ul>
        )}
      </main>
    </>
  );
}
