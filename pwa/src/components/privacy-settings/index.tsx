import { useEffect, useState } from 'preact/hooks';
import type { LastSeenVisibility } from '../../../../api/contract';
import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import controls from '../../styles/controls.module.css';
import styles from './privacy-settings.module.css';

/** Who sees my last seen and when I am online (issue #19, item 11): saved as soon as it is chosen. */
export function PrivacySettings() {
  const { session } = useSession();
  const [choice, setChoice] = useState<LastSeenVisibility | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    session.myProfile().then(
      (mine) => setChoice(mine.lastSeenVisibility),
      () => setFailed(true),
    );
  }, [session]);

  async function choose(next: LastSeenVisibility) {
    const before = choice;
    setChoice(next);
    setFailed(false);
    try {
      setChoice((await session.updateMyProfile({ lastSeenVisibility: next })).lastSeenVisibility);
    } catch {
      setChoice(before);
      setFailed(true);
    }
  }

  const option = (value: LastSeenVisibility, label: string) => (
    <label class={controls.radioOption}>
      <input
        type="radio"
        name="last-seen"
        value={value}
        checked={choice === value}
        disabled={choice === null}
        onChange={() => void choose(value)}
      />
      {label}
    </label>
  );

  return (
    <fieldset class={controls.radioGroup}>
      <legend class={styles.legend}>{t('lastSeenLabel')}</legend>
      {option('everyone', t('lastSeenEveryone'))}
      {option('nobody', t('lastSeenNobody'))}
      <p class={controls.settingHint}>{t('lastSeenNobodyHint')}</p>
      {failed && (
        <p class={styles.problem} role="alert">
          {t('somethingWrong')}
        </p>
      )}
    </fieldset>
  );
}
