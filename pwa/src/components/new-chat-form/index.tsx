import { useCallback, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { useCommandRunner } from '../../lib/use-command-runner';
import { navigate } from '../../lib/use-route';
import { useSession } from '../../lib/use-session';
import { isValidUsername, normalizeUsername } from '../../lib/usernames';
import controls from '../../styles/controls.module.css';
import styles from './new-chat-form.module.css';

/** Starts a conversation by username; also takes `/msg`, `/history` and `/sair`, like the composer. */
export function NewChatForm() {
  const { session } = useSession();
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const openChat = useCallback(
    async (text: string): Promise<string | null> => {
      const name = normalizeUsername(text);
      if (!isValidUsername(name)) return t('noSuchUser', { name });
      if (name === session.me) return t('notYourself');
      const exists = await session.userExists(name);
      if (exists === 'no') return t('noSuchUser', { name });
      navigate({ name: 'chat', peer: name });
      return null;
    },
    [session],
  );
  const runCommand = useCommandRunner(openChat);

  async function submit(event: Event) {
    event.preventDefault();
    if (!value.trim() || busy) return;
    setBusy(true);
    const refusal = await runCommand(value);
    setBusy(false);
    setProblem(refusal);
    if (!refusal) setValue('');
  }

  return (
    <form class={styles.form} onSubmit={submit} role="search">
      <label class={styles.label} for="new-chat">
        {t('newChatLabel')}
      </label>
      <div class={styles.row}>
        <input
          id="new-chat"
          class={styles.input}
          value={value}
          placeholder={t('newChatPlaceholder')}
          autocapitalize="none"
          autocorrect="off"
          autocomplete="off"
          spellcheck={false}
          enterkeyhint="go"
          onInput={(e) => setValue(e.currentTarget.value)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'new-chat-problem' : undefined}
        />
        <button class={`${controls.accentFill} ${styles.button}`} type="submit" disabled={busy}>
          {t('start')}
        </button>
      </div>
      {problem && (
        <p id="new-chat-problem" class={styles.problem} role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
