import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Message, Quote } from '../../../../api/contract';
import type { LocalMessage } from '../../chat/local-message';
import { ApiError } from '../../api/api-error';
import { t } from '../../lib/i18n';
import { toOutboxFile } from '../../lib/outbox-files';
import { useCommandRunner } from '../../lib/use-command-runner';
import { goBack } from '../../lib/use-route';
import { useBlocked } from '../../lib/use-blocked';
import { useSession } from '../../lib/use-session';
import { useSlice } from '../../lib/use-slice';
import { AppHeader, HeaderButton } from '../app-header';
import { Avatar } from '../avatar';
import { BlockedNotice, BlockHeaderButton, DeletedAccountNotice } from '../block-control';
import { Composer } from '../composer';
import { ConnectionBanner } from '../connection-banner';
import { Icon } from '../icon';
import { actionsFor, MessageActions, type MessageAction } from '../message-actions';
import { MessageList } from '../message-list';
import { rememberLeftChat } from '../../lib/return-focus';
import { PeerStatus } from '../peer-status';
import { SearchPanel } from '../search-panel';
import styles from './conversation-view.module.css';

/** What the composer is doing besides a plain send (issue #18). */
type Mode = { kind: 'reply'; quote: Quote } | { kind: 'edit'; message: LocalMessage } | null;

export function ConversationView({ peer }: { peer: string }) {
  const { session } = useSession();
  const thread = useSlice(session.state, (state) => state.threads[peer]);
  const focus = useSlice(session.state, (state) => state.focus);
  const displayName = useSlice(session.state, (state) => state.people[peer]?.displayName ?? null);
  const photoUrl = useSlice(session.state, (state) => state.people[peer]?.photoUrl ?? null);
  // A deleted account (issue #17), as the server says of the person or of the conversation.
  const deleted = useSlice(
    session.state,
    (state) => state.people[peer]?.deleted === true || state.conversations.some((c) => c.with === peer && c.deleted === true),
  );
  const shownName = deleted ? t('deletedAccount') : (displayName ?? peer);
  const [menuFor, setMenuFor] = useState<LocalMessage | null>(null);
  const [mode, setMode] = useState<Mode>(null);
  const [draft, setDraft] = useState<{ text: string; key: number } | undefined>(undefined);
  const [searching, setSearching] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const blocked = useBlocked(peer);

  useEffect(() => {
    void session.openConversation(peer).then(async () => {
      const waiting = session.changes.takePending(peer);
      if (waiting) await session.changes.reveal(peer, waiting);
    });
    return () => session.closeConversation();
  }, [session, peer]);

  // A link to a user who does not exist (issue #19, item 4): what is typed stays in the field with the reason,
  // and nothing enters the outbox, so no conversation with a failed message appears in the list.
  const refusal = useCallback(async (): Promise<string | null> => {
    const known = session.state.get().threads[peer];
    const missing = known ? known.missing === true : (await session.userExists(peer)) === 'no';
    return missing ? t('noSuchUser', { name: peer }) : null;
  }, [session, peer]);
  const sendText = useCallback(
    async (text: string) => {
      const refused = await refusal();
      if (refused) return refused;
      await session.send(peer, text);
      return null;
    },
    [session, peer, refusal],
  );
  const runCommand = useCommandRunner(sendText);
  const sendFiles = useCallback(
    async (text: string, files: File[]) => {
      const refused = await refusal();
      if (refused) return refused;
      await session.send(peer, text, await Promise.all(files.map(toOutboxFile)), mode?.kind === 'reply' ? mode.quote : undefined);
      setMode(null);
      return null;
    },
    [session, peer, mode, refusal],
  );
  const submit = useCallback(
    async (text: string): Promise<string | null> => {
      if (!mode) return runCommand(text);
      setMode(null);
      if (mode.kind === 'reply') {
        await session.send(peer, text, [], mode.quote);
        return null;
      }
      try {
        if (mode.message.id) await session.changes.edit(mode.message.id, text);
        return null;
      } catch (error) {
        return t('changeFailed', { reason: error instanceof ApiError ? error.message : String(error) });
      }
    },
    [mode, runCommand, session, peer],
  );
  const loadOlder = useCallback(() => void session.loadOlder(peer), [session, peer]);
  const typing = useCallback(() => session.people.typingTo(peer), [session, peer]);
  const showQuoted = useCallback(
    (id: string) =>
      void session.changes.reveal(peer, id).then((found) => {
        if (!found) setProblem(t('quoteNotFound'));
      }),
    [session, peer],
  );

  async function choose(message: LocalMessage, action: MessageAction) {
    setMenuFor(null);
    setProblem(null);
    if (!message.id) return;
    if (action === 'reply')
      setMode({ kind: 'reply', quote: { id: message.id, from: message.from, content: [...message.content].slice(0, 200).join('') } });
    if (action === 'edit') {
      setMode({ kind: 'edit', message });
      setDraft({ text: message.content, key: Date.now() });
    }
    if (action === 'deleteEveryone' || action === 'deleteMe') {
      try {
        await session.changes.remove(message.id, action === 'deleteMe' ? 'me' : 'everyone');
      } catch (error) {
        setProblem(t('changeFailed', { reason: error instanceof ApiError ? error.message : String(error) }));
      }
    }
  }

  function openResult(message: Message) {
    setSearching(false);
    void session.changes.reveal(peer, message.id);
  }

  const context = mode && (
    <div class={styles.context}>
      <span class={styles.contextText}>
        <strong>{mode.kind === 'reply' ? t('replyingTo', { name: mode.quote.from }) : t('editingMessage')}</strong>
        <span>{mode.kind === 'reply' ? mode.quote.content : mode.message.content}</span>
      </span>
      <button
        type="button"
        class={styles.contextClose}
        aria-label={mode.kind === 'reply' ? t('cancelReply') : t('cancelEdit')}
        onClick={() => {
          if (mode.kind === 'edit') setDraft({ text: '', key: Date.now() });
          setMode(null);
        }}
      >
        <Icon name="close" size={18} />
      </button>
    </div>
  );

  return (
    <>
      <AppHeader
        onBack={() => {
          rememberLeftChat(peer);
          goBack();
        }}
        actions={
          <>
            <HeaderButton icon="search" label={t('searchIn')} onClick={() => setSearching(true)} />
            {blocked !== null && !thread?.missing && !deleted && (
              <BlockHeaderButton peer={peer} name={displayName ?? peer} blocked={blocked} />
            )}
          </>
        }
      >
        <Avatar name={peer} label={displayName} photoUrl={photoUrl} size="small" />
        <span class={styles.heading}>
          <h1 class={[...shownName].length > 20 ? `${styles.peer} ${styles.peerLong}` : styles.peer} title={peer}>
            {shownName}
          </h1>
          <PeerStatus peer={peer} class={styles.sub} />
        </span>
      </AppHeader>
      <ConnectionBanner />
      <main class={styles.main}>
        {searching && <SearchPanel peer={peer} onClose={() => setSearching(false)} onOpen={openResult} />}
        {problem && (
          <p class={styles.problem} role="alert">
            {problem}
          </p>
        )}
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
            onActions={setMenuFor}
            onQuoteTap={showQuoted}
            focus={focus}
          />
        )}
        {deleted ? (
          <DeletedAccountNotice peer={peer} />
        ) : blocked ? (
          <BlockedNotice peer={peer} name={displayName ?? peer} />
        ) : (
          <Composer
            label={t('messageLabel', { name: peer })}
            onSubmit={submit}
            onSubmitFiles={sendFiles}
            onTyping={typing}
            autoFocus
            context={context}
            {...(draft ? { draft } : {})}
          />
        )}
      </main>
      {menuFor && (
        <MessageActions
          message={menuFor}
          actions={actionsFor(menuFor, session.me)}
          onChoose={(action) => void choose(menuFor, action)}
          onClose={() => setMenuFor(null)}
        />
      )}
    </>
  );
}
