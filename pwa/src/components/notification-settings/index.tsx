import { useEffect, useState } from 'preact/hooks';
import { pushState, turnPushOff, turnPushOn, type PushState } from '../../device/web-push';
import { t, type TextKey } from '../../lib/i18n';
import controls from '../../styles/controls.module.css';
import styles from './notification-settings.module.css';

const STATE_TEXT: Record<PushState, TextKey> = {
  unsupported: 'pushUnsupported',
  'needs-home-screen': 'pushNeedsHomeScreen',
  denied: 'pushDenied',
  off: 'pushOff',
  on: 'pushOn',
};

/**
 * Notifications when the app is closed (issue #17). Says what a notification will show before anything is
 * asked; the browser's permission prompt comes only from the tap on "Turn on".
 */
export function NotificationSettings() {
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    void pushState().then(setState, () => setState('unsupported'));
  }, []);

  async function change(to: () => Promise<PushState>) {
    setBusy(true);
    setFailed(false);
    try {
      setState(await to());
    } catch (error) {
      console.warn('papo: push', error);
      setFailed(true);
      setState(await pushState().catch(() => 'unsupported' as const));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class={styles.notifications} data-push-state={state ?? 'loading'}>
      <p class={styles.explain}>{t('pushExplain')}</p>
      {state !== null && <p class={styles.state}>{t(STATE_TEXT[state])}</p>}
      {state === 'off' && (
        <button type="button" class={`${controls.accentFill} ${styles.button}`} disabled={busy} onClick={() => void change(turnPushOn)}>
          {t('pushTurnOn')}
        </button>
      )}
      {state === 'on' && (
        <button type="button" class={`${controls.accentFill} ${styles.button}`} disabled={busy} onClick={() => void change(turnPushOff)}>
          {t('pushTurnOff')}
        </button>
      )}
      {failed && (
        <p class={styles.problem} role="alert">
          {t('pushFailed')}
        </p>
      )}
    </div>
  );
}
