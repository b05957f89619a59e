import { useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import { Avatar } from '../avatar';
import styles from './profile-settings.module.css';

interface Props {
  /** My display name, for the initial shown without a photo. */
  label: string | null;
  photoUrl: string | null;
  onChange: (photoUrl: string | null) => void;
}

/** My profile photo (issue #19, item 12): uploaded as an attachment (issue #18), then made my photo. */
export function PhotoPicker({ label, photoUrl, onChange }: Props) {
  const { session } = useSession();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  async function change(task: () => Promise<{ photoUrl: string | null }>) {
    setBusy(true);
    setFailed(false);
    try {
      onChange((await task()).photoUrl);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class={styles.who}>
      <Avatar name={session.me} label={label} photoUrl={photoUrl} size="large" />
      <div class={styles.photoControls}>
        <label class={styles.photoButton} aria-disabled={busy}>
          {t('choosePhoto')}
          <input
            type="file"
            class="visually-hidden"
            accept="image/jpeg,image/png,image/webp"
            disabled={busy}
            onChange={(event) => {
              const file = event.currentTarget.files?.[0];
              event.currentTarget.value = '';
              if (file) void change(() => session.setMyPhoto(file));
            }}
          />
        </label>
        {photoUrl && (
          <button
            type="button"
            class={styles.linkButton}
            disabled={busy}
            onClick={() => void change(() => session.updateMyProfile({ photo: null }))}
          >
            {t('removePhoto')}
          </button>
        )}
        <p class={styles.photo}>{t('photoHint')}</p>
        {failed && (
          <p class={styles.problem} role="alert">
            {t('photoFailed')}
          </p>
        )}
      </div>
    </div>
  );
}
