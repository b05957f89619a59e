import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { dayKey } from '../../lib/format';
import { t } from '../../lib/i18n';
import { type LocalMessage, messageKey } from '../../chat/local-message';
import { DaySeparator } from '../day-separator';
import { Icon } from '../icon';
import { MessageBubble } from '../message-bubble';
import styles from './message-list.module.css';

interface Props {
  messages: LocalMessage[];
  me: string;
  label: string;
  /** Whether older messages exist on the server (null: the beginning is shown; undefined: not known yet). */
  before: string | null | undefined;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  showParticipants?: boolean;
  beginningText: string;
  emptyText?: ComponentChildren;
  /** Issue #18: a message's actions, a tapped quote, and the message to scroll to and flash. */
  onActions?: (message: LocalMessage) => void;
  onQuoteTap?: (id: string) => void;
  focus?: { id: string; seq: number } | undefined;
}

/** Within this many pixels of the bottom counts as "at the bottom": new messages then scroll into view. */
const STICKY_PX = 64;
/** Start loading the older page this close to the top, so it is usually there before the reader gets there. */
const PREFETCH_PX = 400;

function keyOf(message: LocalMessage | undefined): string {
  return message ? messageKey(message) : '';
}

/**
 * A scrolling conversation that behaves like a messenger: opens at the newest message, loads older pages as the
 * reader scrolls up without moving what they are reading, follows new messages only when the reader is already
 * at the bottom (otherwise offers a button), and stays at the bottom when the keyboard resizes it.
 */
export function MessageList(props: Props) {
  const { me, before, loadingOlder, onLoadOlder, focus } = props;
  // Deleted for me (issue #18): out of view, on every device.
  const messages = props.messages.filter((m) => !m.hidden);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const seen = useRef({ first: '', last: '' });
  const [newBelow, setNewBelow] = useState(false);

  // Read before Preact touches the DOM: what the reader saw, to restore it after older messages are prepended.
  const snapshot = scroller.current ? { height: scroller.current.scrollHeight, top: scroller.current.scrollTop } : null;
  const geometry = useRef(snapshot);
  geometry.current = snapshot;

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const first = keyOf(messages[0]);
    const last = keyOf(messages.at(-1));
    const previous = seen.current;
    seen.current = { first, last };
    if (previous.first && first !== previous.first && last === previous.last && geometry.current) {
      element.scrollTop = geometry.current.top + (element.scrollHeight - geometry.current.height);
    } else if (last !== previous.last) {
      if (atBottom.current || !previous.last || messages.at(-1)?.from === me) {
        element.scrollTop = element.scrollHeight;
        atBottom.current = true;
      } else {
        setNewBelow(true);
      }
    }
    // A first page shorter than the screen gives nothing to scroll: fetch more now.
    if (element.scrollHeight <= element.clientHeight + PREFETCH_PX && before && !loadingOlder) onLoadOlder();
  }, [messages, me, before, loadingOlder, onLoadOlder]);

  useEffect(() => {
    const element = scroller.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    // The on-screen keyboard shrinks the list: keep the newest message above it.
    const observer = new ResizeObserver(() => {
      if (atBottom.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (!focus) return;
    const element = scroller.current?.querySelector(`[data-message-id="${CSS.escape(focus.id)}"]`);
    if (!element) return;
    element.scrollIntoView({ block: 'center', behavior: 'smooth' });
    atBottom.current = false;
  }, [focus]);

  function onScroll() {
    const element = scroller.current;
    if (!element) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICKY_PX;
    if (atBottom.current && newBelow) setNewBelow(false);
    if (element.scrollTop < PREFETCH_PX && before && !loadingOlder) onLoadOlder();
  }

  function jumpToBottom() {
    const element = scroller.current;
    if (element) element.scrollTo({ top: element.scrollHeight, behavior: 'smooth' });
    setNewBelow(false);
  }

  const items: ComponentChildren[] = [];
  let day = '';
  for (const message of messages) {
    const thisDay = dayKey(message.sentAt);
    if (thisDay !== day) items.push(<DaySeparator key={`day:${thisDay}`} iso={message.sentAt} />);
    day = thisDay;
    items.push(
      <MessageBubble
        key={keyOf(message)}
        message={message}
        mine={message.from === me}
        showParticipants={props.showParticipants ?? false}
        {...(props.onActions ? { onActions: props.onActions } : {})}
        {...(props.onQuoteTap ? { onQuoteTap: props.onQuoteTap } : {})}
        focused={focus !== undefined && focus.id === message.id}
      />,
    );
  }

  return (
    <div class={styles.wrapper}>
      <div class={styles.scroller} ref={scroller} onScroll={onScroll} tabIndex={0} aria-label={props.label} role="region">
        <p class={styles.edge} aria-live="off">
          {loadingOlder ? t('loadingOlder') : before === null && messages.length > 0 ? props.beginningText : ''}
        </p>
        {messages.length === 0 && before !== undefined && <p class={styles.empty}>{props.emptyText}</p>}
        <ol class={styles.list}>{items}</ol>
      </div>
      {newBelow && (
        <button type="button" class={styles.jump} onClick={jumpToBottom}>
          <Icon name="down" size={20} />
          {t('newMessages')}
        </button>
      )}
    </div>
  );
}
