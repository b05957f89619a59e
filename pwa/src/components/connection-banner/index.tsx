import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import { useSlice } from '../../lib/use-slice';
import styles from './connection-banner.module.css';

/** Says plainly when the app is offline (issue #3); the region stays mounted so screen readers hear the change. */
export function ConnectionBanner() {
  const { session } = useSession();
  const connection = useSlice(session.state, (state) => state.connection);
  return (
    <div role="status" class={styles.region}>
      {connection === 'offline' && <p class={styles.banner}>{t('offline')}</p>}
    </div>
  );
}
