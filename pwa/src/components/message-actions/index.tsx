import { useEffect, useRef } from 'preact/hooks';
import { t } from '../../lib/i18n';
import type { LocalMessage } from '../../chat/local-message';
import styles from './message-actions.module.css';

/** What a person may do to a message: the server has the final word (its windows, api/config.ts). */
export type MessageAction = 'reply' | 'edit' | 'deleteEveryone' | 'deleteMe';

/** The server's defaults (EDIT_WINDOW_MINUTES, DELETE_WINDOW_HOURS): past them the action is not offered. */
const EDIT_MS = 15 * 60_000;
const DELETE_MS = 48 * 3_600_000;

export function actionsFor(message: LocalMessage, me: string, now = Date.now()): MessageAction[] {
  const age = now - Date.parse(message.sentAt);
  const mine = message.from === me;
  const actions: MessageAction[] = ['reply'];
  if (mine && age < EDIT_MS && !message.unreadable) actions.push('edit');
  if (mine && age < DELETE_MS) actions.push('deleteEveryone');
  actions.push('deleteMe');
  return actions;
}

const LABELS: Record<MessageAction, Parameters<typeof t>[0]> = {
  reply: 'actionReply',
  edit: 'actionEdit',
  deleteEveryone: 'actionDeleteEveryone',
  deleteMe: 'actionDeleteMe',
};

interface Props {
  message: LocalMessage;
  actions: MessageAction[];
  onChoose: (action: MessageAction) => void;
  onClose: () => void;
}

/**
 * A message's actions (issue #18) as a sheet at the bottom: reached by a long press, a right click or the
 * bubble's ⋮ button; the first action takes the focus, Escape or Cancel closes it and the focus goes back.
 */
export function MessageActions({ message, actions, onChoose, onClose }: Props) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    first.current?.focus();
    return () => before?.focus();
  }, []);
  return (
    <div class={styles.backdrop} onClick={onClose}>
      <div
        class={styles.sheet}
        role="menu"
        aria-label={t('messageActions')}
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key === 'Escape') onClose();
        }}
      >
        <p class={styles.preview}>{message.content}</p>
        {actions.map((action, i) => (
          <button
            key={action}
            ref={i === 0 ? first : undefined}
            type="button"
            role="menuitem"
            class={`${styles.item} ${action.startsWith('delete') ? styles.danger : ''}`}
            onClick={() => onChoose(action)}
          >
            {t(LABELS[action])}
          </button>
        ))}
        <button type="button" role="menuitem" class={styles.item} onClick={onClose}>
          {t('actionCancel')}
        </button>
      </div>
    </div>
  );
}
