import { useState } from 'preact/hooks';
import { ApiError } from '../../api/api-error';
import { t } from '../../lib/i18n';
import { useAction } from '../../lib/use-action';
import { useSession } from '../../lib/use-session';
import controls from '../../styles/controls.module.css';
import { ConfirmDialog } from '../confirm-dialog';
import styles from './delete-account-settings.module.css';

function deleteProblem(error: unknown): string {
  if (error instanceof ApiError && error.code === 'wrong_password') return t('deleteWrongPassword');
  // Wrong passwords count against the login limits (issue #17): a guesser with the phone cannot try on forever.
  if (error instanceof ApiError && error.code === 'too_many_requests') return t('tooManyTries');
  return t('somethingWrong');
}

/**
 * The danger zone (issue #17): what deleting the account takes away and what stays (the name, reserved), then
 * a confirmation that asks for the password, so a phone left unlocked is not enough to delete someone.
 */
export function DeleteAccountSettings() {
  const { deleteAccount } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [password, setPassword] = useState('');
  const { busy, problem, run, clearProblem } = useAction(deleteProblem);
  // On success the app leaves for the login screen, and this component with it.
  const confirm = () => run(() => deleteAccount(password));

  return (
    <div class={styles.zone}>
      <p id="delete-account-explain" class={styles.explain}>
        {t('deleteAccountExplain')}
      </p>
      <button
        type="button"
        class={`${controls.tapButton} ${controls.dangerOutline} ${styles.open}`}
        aria-describedby="delete-account-explain"
        onClick={() => {
          setPassword('');
          clearProblem();
          setConfirming(true);
        }}
      >
        {t('deleteAccountButton')}
      </button>
      {confirming && (
        <ConfirmDialog
          title={t('deleteAccountTitle')}
          confirmLabel={busy ? t('deletingAccount') : t('deleteAccountConfirm')}
          danger
          busy={busy}
          problem={problem}
          onConfirm={() => void confirm()}
          onCancel={() => setConfirming(false)}
        >
          <p>{t('deleteAccountFinal')}</p>
          <label class={styles.label} for="delete-account-password">
            {t('deleteAccountPassword')}
          </label>
          <input
            id="delete-account-password"
            type="password"
            class={controls.textField}
            autocomplete="current-password"
            required
            autoFocus
            value={password}
            aria-invalid={problem !== null}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </ConfirmDialog>
      )}
    </div>
  );
}
