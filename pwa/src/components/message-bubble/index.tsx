import { formatTime } from '../../lib/format';
import { t } from '../../lib/i18n';
import { linkify } from '../../lib/linkify';
import { highlightParts } from '../../lib/search-highlight';
import type { LocalMessage } from '../../chat/local-message';
import { MessageAttachments } from '../message-attachments';
import { Icon } from '../icon';
import { MessageTicks } from '../message-ticks';
import styles from './message-bubble.module.css';

interface Props {
  message: LocalMessage;
  mine: boolean;
  /** In the all-conversations history: who wrote to whom. */
  showParticipants?: boolean;
  /** Opens the message's actions (reply, edit, delete): a long press, a right click, or its ⋮ button. */
  onActions?: (message: LocalMessage) => void;
  /** A tap on the quote of the message this one answers. */
  onQuoteTap?: (id: string) => void;
  /** Search results: these words (folded) are marked. */
  highlight?: readonly string[];
  /** Flashed once: the message a quote or a search result led to. */
  focused?: boolean;
}

/** Pressing this long on a bubble opens its actions, as in every phone messenger. */
const LONG_PRESS_MS = 500;

/**
 * One message. Its content is only ever text nodes and `<a>` elements for its http(s) addresses (Preact escapes
 * the text): `<img onerror=...>` shows as typed, newlines and spaces as written.
 */
export function MessageBubble({ message, mine, showParticipants = false, onActions, onQuoteTap, highlight, focused = false }: Props) {
  let pressTimer: ReturnType<typeof setTimeout> | undefined;
  const canAct = onActions && message.id && !message.deleted && !message.unreadable;
  const press = canAct
    ? {
        onContextMenu: (event: Event) => {
          event.preventDefault();
          onActions(message);
        },
        onTouchStart: () => {
          pressTimer = setTimeout(() => onActions(message), LONG_PRESS_MS);
        },
        onTouchEnd: () => clearTimeout(pressTimer),
        onTouchMove: () => clearTimeout(pressTimer),
      }
    : {};
  return (
    <li
      class={`${styles.item} ${mine ? styles.mine : styles.theirs} ${focused ? styles.focused : ''}`}
      data-status={mine ? message.status : undefined}
      data-message-id={message.id}
    >
      <div class={styles.bubble} {...press}>
        {showParticipants ? (
          <p class={styles.participants}>{t('fromTo', { from: message.from, to: message.to })}</p>
        ) : (
          <span class="visually-hidden">{mine ? t('you') : message.from}: </span>
        )}
        {message.replyTo && !message.deleted && (
          <button
            type="button"
            class={styles.quote}
            onClick={() => message.replyTo && onQuoteTap?.(message.replyTo.id)}
            aria-label={t('quoteOf', {
              name: message.replyTo.from,
              text: message.replyTo.deleted ? t('messageDeleted') : message.replyTo.content,
            })}
          >
            <span class={styles.quoteFrom}>{message.replyTo.from}</span>
            <span class={`${styles.quoteText} ${message.replyTo.deleted ? styles.unreadable : ''}`}>
              {message.replyTo.deleted ? t('messageDeleted') : message.replyTo.content}
            </span>
          </button>
        )}
        {!message.deleted && (
          <MessageAttachments attachments={message.attachments} localFiles={message.localFiles} progress={message.progress} />
        )}
        {message.unreadable ? (
          <p class={`${styles.content} ${styles.unreadable}`}>{t('unreadableMessage')}</p>
        ) : message.deleted ? (
          <p class={`${styles.content} ${styles.unreadable}`}>{t('messageDeleted')}</p>
        ) : highlight ? (
          <p class={styles.content}>
            {highlightParts(message.content, highlight).map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : part.text))}
          </p>
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
          {message.editedAt && !message.deleted && <span class={styles.edited}>{t('edited')}</span>}
          <time dateTime={message.sentAt}>{formatTime(message.sentAt)}</time>
          {mine && <MessageTicks status={message.status} />}
          {canAct && (
            // The keyboard's and the screen reader's way to the actions a long press opens.
            <button
              type="button"
              class={styles.actions}
              aria-label={t('messageActions')}
              title={t('messageActions')}
              onClick={() => onActions(message)}
            >
              <Icon name="more" size={16} />
            </button>
          )}
        </span>
      </div>
      {message.failure && <p class={styles.failure}>{message.failure}</p>}
    </li>
  );
}
