import { useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n';
import { Icon } from '../icon';
import styles from './attachment-picker.module.css';

interface Props {
  onPick: (files: File[]) => void;
}

/** Phones (a coarse pointer) get the camera as a choice of its own: `capture` opens it directly. */
const hasCamera = () => typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;

/**
 * The paperclip (issue #18): a picture from the gallery (`accept="image/*"`), a photo taken now (`capture`, on
 * phones), or any file. Each choice is a hidden file input that the menu's button clicks.
 */
export function AttachmentPicker({ onPick }: Props) {
  const [open, setOpen] = useState(false);
  const gallery = useRef<HTMLInputElement>(null);
  const camera = useRef<HTMLInputElement>(null);
  const anyFile = useRef<HTMLInputElement>(null);

  const picked = (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = ''; // the same file can be picked again
    setOpen(false);
    if (files.length > 0) onPick(files);
  };
  const choose = (input: { current: HTMLInputElement | null }) => () => input.current?.click();

  return (
    <div class={styles.picker}>
      <button
        type="button"
        class={styles.toggle}
        aria-label={t('attach')}
        title={t('attach')}
        aria-expanded={open}
        aria-controls="attach-menu"
        onClick={() => setOpen(!open)}
      >
        <Icon name="attach" />
      </button>
      {open && (
        <ul class={styles.menu} id="attach-menu">
          <li>
            <button type="button" onClick={choose(gallery)}>
              {t('attachPhoto')}
            </button>
          </li>
          {hasCamera() && (
            <li>
              <button type="button" onClick={choose(camera)}>
                {t('attachCamera')}
              </button>
            </li>
          )}
          <li>
            <button type="button" onClick={choose(anyFile)}>
              {t('attachFile')}
            </button>
          </li>
        </ul>
      )}
      <input ref={gallery} class={styles.input} type="file" accept="image/*" multiple tabIndex={-1} aria-hidden="true" onChange={picked} />
      <input
        ref={camera}
        class={styles.input}
        type="file"
        accept="image/*"
        capture="environment"
        tabIndex={-1}
        aria-hidden="true"
        onChange={picked}
      />
      <input ref={anyFile} class={styles.input} type="file" multiple tabIndex={-1} aria-hidden="true" onChange={picked} />
    </div>
  );
}
