import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/api-error';
import { t } from '../../lib/i18n';
import { useSession } from '../../lib/use-session';
import controls from '../../styles/controls.module.css';
import { PhotoPicker } from './photo-picker';
import styles from './profile-settings.module.css';

const MAX_CHARACTERS = 40;

/** My photo and display name (issue #19, item 12): what the people I talk to see of me besides my username. */
export function ProfileSettings() {
  const { session } = useSession();
  const [name, setName] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [photoUrl, setPhotoUrl] = useState<string | null>(null);
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved' | 'refused' | 'failed'>('idle');
  // The field waits for the name the server holds: typed into before it came, the answer would overwrite what
  // the person typed (and Save would then clear their name), which a slow connection made happen.
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    session.myProfile().then(
      (mine) => {
        setName(mine.displayName ?? '');
        setSaved(mine.displayName);
        setPhotoUrl(mine.photoUrl);
        setLoaded(true);
      },
      () => {
        setStatus('failed');
        setLoaded(true);
      },
    );
  }, [session]);

  const tooLong = [...name.trim()].length > MAX_CHARACTERS;

  async function save() {
    setStatus('saving');
    try {
      const mine = await session.updateMyProfile({ displayName: name.trim() === '' ? null : name });
      setName(mine.displayName ?? '');
      setSaved(mine.displayName);
      setStatus('saved');
    } catch (error) {
      setStatus(error instanceof ApiError && error.code === 'invalid_request' ? 'refused' : 'failed');
    }
  }

  const problem = tooLong
    ? t('displayNameTooLong')
    : status === 'refused'
      ? t('displayNameRefused')
      : status === 'failed'
        ? t('somethingWrong')
        : null;
  return (
    <form
      class={styles.profile}
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <PhotoPicker label={saved} photoUrl={photoUrl} onChange={setPhotoUrl} />
      <label class={styles.label} for="display-name">
        {t('displayName')}
      </label>
      <input
        id="display-name"
        class={styles.field}
        value={name}
        placeholder={session.me}
        autocomplete="nickname"
        disabled={!loaded}
        aria-describedby="display-name-hint display-name-problem"
        aria-invalid={problem !== null}
        onInput={(event) => {
          setName(event.currentTarget.value);
          setStatus('idle');
        }}
      />
      <p id="display-name-hint" class={styles.hint}>
        {t('displayNameHint', { name: session.me })}
      </p>
      <p id="display-name-problem" class={styles.problem} role="alert">
        {problem}
      </p>
      <div class={styles.actions}>
        <button type="submit" class={`${controls.accentFill} ${styles.save}`} disabled={!loaded || tooLong || status === 'saving'}>
          {t('save')}
        </button>
        <span role="status">{status === 'saved' ? t('saved') : ''}</span>
      </div>
    </form>
  );
}
