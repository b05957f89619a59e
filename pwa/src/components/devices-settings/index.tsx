import { useEffect, useState } from 'preact/hooks';
import type { Device } from '../../../../api/contract';
import { deviceLabel } from '../../lib/device-label';
import { formatDateTime } from '../../lib/format';
import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import { useSlice } from '../../lib/use-slice';
import controls from '../../styles/controls.module.css';
import styles from './devices-settings.module.css';

/**
 * Where I am logged in (issue #17): each device by a name made from its browser, when it logged in and was last
 * used; ending one, or every one but this. This device is ended by the Log out of the Account section.
 */
export function DevicesSettings() {
  const { session } = useSession();
  const revision = useSlice(session.account.revision, (state) => state.n);
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string>('');
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let live = true;
    session.account.devices().then(
      (list) => {
        if (!live) return;
        setDevices(list);
        setFailed(false);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [session, revision]);

  async function run(action: () => Promise<string>) {
    setBusy(true);
    setFailed(false);
    setStatus('');
    try {
      setStatus(await action());
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  const others = devices?.filter((d) => !d.current) ?? [];
  return (
    <div class={styles.devices}>
      <p class={styles.hint}>{t('devicesHint')}</p>
      {devices && (
        <ul class={styles.list}>
          {devices.map((device) => {
            const name = deviceLabel(device.name);
            return (
              <li key={device.id} class={styles.device} data-device={device.current ? 'this' : 'other'}>
                <div class={styles.facts}>
                  <span class={styles.name}>
                    {name}
                    {device.current && <span class={styles.thisDevice}>{t('thisDevice')}</span>}
                  </span>
                  <span class={styles.when}>{t('deviceLoggedIn', { when: formatDateTime(device.loggedInAt) })}</span>
                  <span class={styles.when}>
                    {device.current ? t('deviceActiveNow') : t('deviceLastUsed', { when: formatDateTime(device.lastUsedAt) })}
                  </span>
                </div>
                {!device.current && (
                  <button
                    type="button"
                    class={`${controls.tapButton} ${controls.dangerOutline}`}
                    aria-label={t('endDeviceLabel', { name })}
                    disabled={busy}
                    onClick={() =>
                      void run(async () => {
                        await session.account.endDevice(device.id);
                        return t('deviceEnded', { name });
                      })
                    }
                  >
                    {t('endDevice')}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {devices && others.length === 0 && <p class={styles.hint}>{t('noOtherDevices')}</p>}
      {others.length > 1 && (
        <button
          type="button"
          class={`${controls.tapButton} ${controls.dangerOutline} ${styles.all}`}
          disabled={busy}
          onClick={() => void run(async () => t('devicesEnded', { n: await session.account.endOtherDevices() }))}
        >
          {t('endOtherDevices')}
        </button>
      )}
      <p class={styles.status} role="status">
        {status}
      </p>
      {failed && (
        <p class={styles.problem} role="alert">
          {t('somethingWrong')}
        </p>
      )}
    </div>
  );
}
