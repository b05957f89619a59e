import { useEffect, useState } from 'preact/hooks';
import { formatDateTime } from '../../lib/format';
import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import { useSlice } from '../../lib/use-slice';
import controls from '../../styles/controls.module.css';
import styles from './blocked-settings.module.css';

/** The people I blocked (issue #17), each with Unblock. Blocking itself is in a conversation's header. */
export function BlockedSettings() {
  const { session } = useSession();
  const blocked = useSlice(session.blocks.state, (state) => state.blocked);
  const [busy, setBusy] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    session.blocks.load().catch(() => setFailed(true));
  }, [session]);

  async function unblock(username: string) {
    setBusy(username);
    setFailed(false);
    try {
      await session.blocks.unblock(username);
    } catch {
      setFailed(true);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div class={styles.blocked}>
      <p class={styles.hint}>{t('blockedHint')}</p>
      {blocked?.length === 0 && <p>{t('noBlocked')}</p>}
      {blocked && blocked.length > 0 && (
        <ul class={styles.list}>
          {blocked.map(({ username, at }) => (
            <li key={username} class={styles.person} data-blocked={username}>
              <span class={styles.facts}>
                <span class={styles.name}>{username}</span>
                <span class={styles.when}>{t('blockedSince', { when: formatDateTime(at) })}</span>
              </span>
              <button
                type="button"
                class={`${controls.tapButton} ${controls.outline}`}
                aria-label={t('unblockName', { name: username })}
                disabled={busy !== null}
                onClick={() => void unblock(username)}
              >
                {t('unblock')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {failed && (
        <p class={styles.problem} role="alert">
          {t('somethingWrong')}
        </p>
      )}
    </div>
  );
}
