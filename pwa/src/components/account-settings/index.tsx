import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import controls from '../../styles/controls.module.css';
import styles from './account-settings.module.css';

/** Who is logged in on this device, and the way out (the old client's `/sair`). */
export function AccountSettings() {
  const { session, logout } = useSession();
  return (
    <div class={styles.account}>
      <p class={styles.who}>{t('loggedInAs', { name: session.me })}</p>
      <button type="button" class={`${controls.accentFill} ${styles.logout}`} onClick={() => void logout()}>
        {t('logout')}
      </button>
    </div>
  );
}
