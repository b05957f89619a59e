import { EXPORT_URL } from '../../api/client';
import { t } from '../../lib/i18n';
import controls from '../../styles/controls.module.css';
import styles from './data-settings.module.css';

/**
 * Download my data (issue #17): a plain link with `download`, so the browser saves the zip as it arrives and
 * the page never holds it; the session cookie goes with it, as with any same-origin request.
 */
export function DataSettings() {
  return (
    <div class={styles.data}>
      <p id="export-explain" class={styles.hint}>
        {t('exportExplain')}
      </p>
      <a
        class={`${controls.tapButton} ${controls.outline} ${styles.download}`}
        href={EXPORT_URL}
        download
        aria-describedby="export-explain"
      >
        {t('downloadMyData')}
      </a>
    </div>
  );
}
