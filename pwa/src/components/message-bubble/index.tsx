import { formatTime } from '../../lib/format';
import { t } from '../../lib/i18n';
import { linkify } from '../../lib/linkify';
import type { LocalMessage } from '../../chat/local-message';
import { MessageAttachments } from '../message-attachments';
import { MessageTicks } from '../message-ticks';
import styles from './message-bubble.module.css';

interface Props {
  message: LocalMessage;
  mine: boolean;
  /** In the all-conversations history: who wrote to whom. */
  showParticipants?: boolean;
}

/**
 * One message. Its content is only ever text nodes and `<a>` elements for its http(s) addresses (Preact escapes
 * the text): `<img onerror=...>` shows as typed, newlines and spaces as written.
 */
export function MessageBubble({ message, mine, showParticipants = false }: Props) {
  return (
    <li class={`${styles.item} ${mine ? styles.mine : styles.theirs}`} data-status={mine ? message.status : undefined}>
      <div class={styles.bubble}>
        {showParticipants ? (
          <p class={styles.participants}>{t('fromTo', { from: message.from, to: message.to })}</p>
        ) : (
          <span class="visually-hidden">{mine ? t('you') : message.from}: </span>
        )}
        <MessageAttachments attachments={message.attachments} localFiles={message.localFiles} progress={message.progress} />
        {message.unreadable ? (
          <p class={`${styles.content} ${styles.unreadable}`}>{t('unreadableMessage')}</p>
        ) : (
          message.content !== '' && (
            <p class={styles.content}>
              {linkify(message.content).map((part, i) =>
                part.kind === 'text' ? (
                  part.text
                ) : (
                  // A new tab that cannot reach back to Papo (noopener) and is not told where it came from (noreferrer).
                  <a key={i} href={part.href} target="_blank" rel="noopener noreferrer" class={styles.link}>
                    {part.text}
                  </a>
                ),
              )}
            </p>
          )
        )}
        <span class={styles.meta}>
          <time dateTime={message.sentAt}>{formatTime(message.sentAt)}</time>
          {mine && <MessageTicks status={message.status} />}
        </span>
      </div>
      {message.failure && <p class={styles.failure}>{message.failure}</p>}
    </li>
  );
}
