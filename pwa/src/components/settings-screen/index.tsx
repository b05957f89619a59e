import { t } from '../../lib/i18n';
import { goBack } from '../../lib/use-route';
import { AppHeader } from '../app-header';
import { ConnectionBanner } from '../connection-banner';
import { SETTINGS_SECTIONS } from './settings-sections';
import styles from './settings-screen.module.css';

/** `#/settings`: one titled section per feature that has something a person may choose or see about themself. */
export function SettingsScreen() {
  return (
    <>
      <AppHeader onBack={goBack}>
        <h1 class={styles.title}>{t('settings')}</h1>
      </AppHeader>
      <ConnectionBanner />
      <main class={styles.main}>
        {SETTINGS_SECTIONS.map(({ id, title, Component }) => (
          <section key={id} class={styles.section} aria-labelledby={`settings-${id}`} data-section={id}>
            <h2 id={`settings-${id}`} class={styles.heading}>
              {t(title)}
            </h2>
            <Component />
          </section>
        ))}
      </main>
    </>
  );
}
