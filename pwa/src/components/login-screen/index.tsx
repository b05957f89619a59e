import type { InputHTMLAttributes } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../../api/api-error';
import { api } from '../../api/client';
import { asSentence } from '../../lib/as-sentence';
import { type TextKey, t } from '../../lib/i18n';
import { isValidUsername, normalizeUsername } from '../../lib/usernames';
import controls from '../../styles/controls.module.css';
import styles from './login-screen.module.css';

interface Props {
  onLoggedIn: (username: string, created: boolean) => Promise<void>;
  /** Shown above the form, e.g. when the server ended the session. */
  notice?: string | undefined;
}

/** What the form says when logging in failed. */
function loginProblem(error: unknown): string {
  if (!(error instanceof ApiError)) return t('somethingWrong');
  switch (error.code) {
    case 'wrong_password':
      return t('wrongPassword');
    // The server's message names the rule the name or password broke (issue #15); the rules live there only.
    case 'invalid_username':
      return error.message ? asSentence(error.message) : t('usernameRefused');
    case 'invalid_password':
      return error.message ? asSentence(error.message) : t('passwordRefused');
    case 'too_many_requests':
      return t('tooManyTries');
    case 'account_locked':
      return t('accountLocked');
    case 'network':
      return t('offlineLogin');
    default:
      return error.message || t('somethingWrong');
  }
}

type FieldName = 'username' | 'password';

/** The form's fields: their label, the rule shown under each, and how the browser should fill it. */
const FIELDS: Record<FieldName, { label: TextKey; rule: TextKey; input: InputHTMLAttributes<HTMLInputElement> }> = {
  username: {
    label: 'username',
    rule: 'usernameRule',
    input: { autocomplete: 'username', autocapitalize: 'none', autocorrect: 'off', spellcheck: false, maxLength: 64 },
  },
  password: { label: 'password', rule: 'passwordRule', input: { type: 'password', autocomplete: 'current-password' } },
};

/** A labelled, required field with its rule under it, read with it by screen readers. */
function LoginField({ name, value, onValue }: { name: FieldName; value: string; onValue: (value: string) => void }) {
  const { label, rule, input } = FIELDS[name];
  const id = `login-${name}`;
  return (
    <>
      <label class={styles.label} for={id}>
        {t(label)}
      </label>
      <input
        {...input}
        id={id}
        class={styles.input}
        name={name}
        required
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-describedby={`${id}-rule`}
      />
      <p class={styles.rule} id={`${id}-rule`}>
        {t(rule)}
      </p>
    </>
  );
}

/** One form for both: a username nobody has yet creates the account (issue #2), and the screen says so. */
export function LoginScreen({ onLoggedIn, notice }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const name = normalizeUsername(username);
    if (!isValidUsername(name)) {
      // The rule itself is under the field already: say what is wrong, not the rule again (issue #19, item 6).
      setError(t('usernameRefused'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await api.login(name, password);
      await onLoggedIn(answer.user.username, answer.created);
    } catch (caught) {
      setError(loginProblem(caught));
      setBusy(false);
    }
  }

  return (
    <main class={styles.screen}>
      <div class={styles.card}>
        <img class={styles.logo} src="/icons/icon-192.png" alt="" width={72} height={72} />
        <h1 class={styles.brand}>{t('appName')}</h1>
        <h2 class={styles.title}>{t('loginTitle')}</h2>
        <p class={styles.hint} id="login-hint">
          {t('loginHint')}
        </p>
        {notice && <p class={styles.notice}>{notice}</p>}
        <form class={styles.form} onSubmit={submit} aria-describedby="login-hint" noValidate>
          <LoginField name="username" value={username} onValue={setUsername} />
          <LoginField name="password" value={password} onValue={setPassword} />
          <p class={styles.error} role="alert">
            {error}
          </p>
          <button class={`${controls.accentFill} ${styles.submit}`} type="submit" disabled={busy}>
            {busy ? t('entering') : t('enter')}
          </button>
        </form>
      </div>
    </main>
  );
}
