import type { CachedConversation } from '../../chat/chat-cache';
import { formatListTime } from '../../lib/format';
import { t } from '../../lib/i18n';
import { summaryOf } from '../../lib/message-summary';
import { routeHref } from '../../lib/use-route';
import { Avatar } from '../avatar';
import { MessageTicks } from '../message-ticks';
import styles from './conversation-row.module.css';

interface Props {
  conversation: CachedConversation;
  me: string;
  /** The peer's display name, when they set one (issue #19, item 12). */
  displayName?: string | null | undefined;
  photoUrl?: string | null | undefined;
  onOpen: (peer: string) => void;
}

export function ConversationRow({ conversation, me, onOpen, displayName, photoUrl }: Props) {
  const { last, unread } = conversation;
  const mine = last.from === me;
  return (
    <li>
      <a
        class={styles.row}
        href={routeHref({ name: 'chat', peer: conversation.with })}
        onClick={(event) => {
          event.preventDefault();
          onOpen(conversation.with);
        }}
        data-peer={conversation.with}
      >
        <Avatar name={conversation.with} label={displayName} photoUrl={photoUrl} />
        <span class={styles.body}>
          <span class={styles.top}>
            <span class={styles.peer} title={conversation.with}>
              {conversation.deleted ? t('deletedAccount') : (displayName ?? conversation.with)}
            </span>
            <time class={`${styles.time} ${unread > 0 ? styles.timeUnread : ''}`} dateTime={last.sentAt}>
              {formatListTime(last.sentAt)}
            </time>
          </span>
          <span class={styles.bottom}>
            <span class={styles.preview}>
              {mine && <MessageTicks status={last.status} />}
              {mine && <span class="visually-hidden">{t('you')}: </span>}
              {last.unreadable ? t('unreadableMessage') : last.deleted ? t('messageDeleted') : summaryOf(last)}
            </span>
            {unread > 0 && (
              <span class={styles.badge} role="img" aria-label={t('unread', { n: unread })}>
                {unread}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
