import { useState } from 'preact/hooks';
import { ApiError } from '../../api/api-error';
import { asSentence } from '../../lib/as-sentence';
import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import controls from '../../styles/controls.module.css';
import styles from './password-settings.module.css';

type Status = { kind: 'idle' | 'saving' | 'changed' } | { kind: 'refused'; field: 'current' | 'new'; text: string } | { kind: 'failed' };

/** What the form says when the change failed, and which field it is about. */
function refusal(error: unknown): Status {
  if (error instanceof ApiError && error.code === 'wrong_password')
    return { kind: 'refused', field: 'current', text: t('wrongCurrentPassword') };
  // Wrong current passwords count against the login limits, so that a borrowed phone cannot guess on forever.
  if (error instanceof ApiError && error.code === 'too_many_requests')
    return { kind: 'refused', field: 'current', text: t('tooManyTries') };
  // The server's message names the rule the new password broke (issue #15); the rules live there only.
  if (error instanceof ApiError && error.code === 'invalid_password')
    return { kind: 'refused', field: 'new', text: asSentence(error.message) };
  return { kind: 'failed' };
}

/** Change my password (issue #17): with the current one; every other device is logged out, this one stays. */
export function PasswordSettings() {
  const { session } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [status, setStatus] = useState<Status>({ kind: 'idle' });

  async function change() {
    setStatus({ kind: 'saving' });
    try {
      await session.account.changePassword(current, next);
      setCurrent('');
      setNext('');
      setStatus({ kind: 'changed' });
    } catch (error) {
      setStatus(refusal(error));
    }
  }

  const problemOf = (field: 'current' | 'new') => (status.kind === 'refused' && status.field === field ? status.text : null);
  return (
    <form
      class={styles.form}
      onSubmit={(event) => {
        event.preventDefault();
        void change();
      }}
    >
      {/* The username lets a password manager file the new password under the right account. */}
      <input type="text" name="username" autocomplete="username" value={session.me} hidden readOnly />
      <label class={styles.label} for="current-password">
        {t('currentPassword')}
      </label>
      <input
        id="current-password"
        type="password"
        class={controls.textField}
        autocomplete="current-password"
        required
        value={current}
        aria-invalid={problemOf('current') !== null}
        aria-describedby="current-password-problem"
        onInput={(event) => {
          setCurrent(event.currentTarget.value);
          if (status.kind !== 'saving') setStatus({ kind: 'idle' });
        }}
      />
      <p id="current-password-problem" class={styles.problem} role="alert">
        {problemOf('current')}
      </p>
      <label class={styles.label} for="new-password">
        {t('newPassword')}
      </label>
      <input
        id="new-password"
        type="password"
        class={controls.textField}
        autocomplete="new-password"
        required
        value={next}
        aria-invalid={problemOf('new') !== null}
        aria-describedby="new-password-rule new-password-problem"
        onInput={(event) => {
          setNext(event.currentTarget.value);
          if (status.kind !== 'saving') setStatus({ kind: 'idle' });
        }}
      />
      <p id="new-password-rule" class={styles.hint}>
        {t('newPasswordRule')}
      </p>
      <p id="new-password-problem" class={styles.problem} role="alert">
        {problemOf('new') ?? (status.kind === 'failed' ? t('somethingWrong') : null)}
      </p>
      <div class={styles.actions}>
        <button type="submit" class={`${controls.tapButton} ${controls.accentFill}`} disabled={status.kind === 'saving'}>
          {status.kind === 'saving' ? t('changingPassword') : t('changePassword')}
        </button>
        <span role="status">{status.kind === 'changed' ? t('passwordChanged') : ''}</span>
      </div>
    </form>
  );
}
