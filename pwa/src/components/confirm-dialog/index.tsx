import type { ComponentChildren } from 'preact';
import { useModalDialog } from '../../lib/use-modal-dialog';
import { t } from '../../lib/i18n';
import controls from '../../styles/controls.module.css';
import styles from './confirm-dialog.module.css';

interface Props {
  title: string;
  /** What happens if the person goes on; fields the confirmation needs (a password) go here too. */
  children: ComponentChildren;
  confirmLabel: string;
  /** The action cannot be undone: the confirm button is red. */
  danger?: boolean;
  busy?: boolean;
  /** Why the last try failed, read out at once. */
  problem?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * "Are you sure?" as a modal <dialog>: the browser keeps the focus inside it, Escape cancels, and the focus goes
 * back to the button that opened it. Cancel comes first, so it has the focus unless a field asks for it
 * (`autoFocus`): Enter on an opened dialog never does the harm by accident.
 */
export function ConfirmDialog({ title, children, confirmLabel, danger = false, busy = false, problem, onConfirm, onCancel }: Props) {
  const dialog = useModalDialog();

  return (
    <dialog
      ref={dialog}
      class={styles.dialog}
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onClose={onCancel}
      onCancel={(event) => {
        // Escape while the request runs would leave its answer nowhere to show.
        if (busy) event.preventDefault();
      }}
    >
      <form
        class={styles.form}
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) onConfirm();
        }}
      >
        <h2 id="confirm-title" class={styles.title}>
          {title}
        </h2>
        <div id="confirm-body" class={styles.body}>
          {children}
        </div>
        <p class={styles.problem} role="alert">
          {problem}
        </p>
        <div class={styles.actions}>
          <button type="button" class={`${controls.tapButton} ${controls.outline}`} disabled={busy} onClick={() => dialog.current?.close()}>
            {t('actionCancel')}
          </button>
          <button type="submit" class={`${controls.tapButton} ${danger ? controls.dangerFill : controls.accentFill}`} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
