import { useModalDialog } from '../../lib/use-modal-dialog';
import { t } from '../../lib/i18n';
import styles from './image-viewer.module.css';

interface Props {
  src: string;
  name: string;
  onClose: () => void;
}

/**
 * A picture full screen (issue #18), in a modal <dialog>: the browser traps the focus in it, Escape closes it
 * and the focus goes back to the picture that opened it. A tap anywhere closes it too.
 */
export function ImageViewer({ src, name, onClose }: Props) {
  const dialog = useModalDialog();

  return (
    <dialog ref={dialog} class={styles.viewer} aria-label={name} onClose={onClose} onClick={() => dialog.current?.close()}>
      <img class={styles.image} src={src} alt={name} />
      <button type="button" class={styles.close} onClick={() => dialog.current?.close()}>
        {t('closeImage')}
      </button>
    </dialog>
  );
}
