import { useState } from 'preact/hooks';
import type { Attachment } from '../../../../api/contract';
import type { LocalFile } from '../../chat/local-message';
import { formatSize } from '../../lib/format';
import { t } from '../../lib/i18n';
import { ImageViewer } from '../image-viewer';
import styles from './message-attachments.module.css';

/** The types the server shows inline (api/attachments/file-kind.ts); everything else is a download. */
const PICTURE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

interface Shown {
  key: string;
  name: string;
  size: number;
  picture: boolean;
  width?: number | undefined;
  height?: number | undefined;
  /** What the bubble shows (a preview), and what full screen or a download gets. */
  preview: string;
  full: string;
  /** Only files the server has can be downloaded; a pending one is this device's own copy. */
  downloadable: boolean;
}

function fromServer(a: Attachment): Shown {
  const full = `/api/attachments/${encodeURIComponent(a.id)}`;
  const picture = PICTURE_TYPES.has(a.type) && a.thumbnail;
  return {
    key: a.id,
    name: a.name,
    size: a.size,
    picture,
    width: a.width,
    height: a.height,
    preview: picture ? `${full}/thumbnail` : full,
    full,
    downloadable: true,
  };
}

function fromDevice(f: LocalFile, i: number): Shown {
  return {
    key: `local-${i}`,
    name: f.name,
    size: f.size,
    picture: PICTURE_TYPES.has(f.type),
    width: f.width,
    height: f.height,
    preview: f.url,
    full: f.url,
    downloadable: false,
  };
}

interface Props {
  attachments?: Attachment[] | undefined;
  localFiles?: LocalFile[] | undefined;
  /** 0 to 1 while the files upload. */
  progress?: number | undefined;
}

/**
 * A message's files (issue #18): pictures in the bubble, in a box of their own proportions reserved before
 * they load (width and height from the server, or measured on this device while pending), a tap opening them
 * full screen; other files as a row with name, size and a download.
 */
export function MessageAttachments({ attachments, localFiles, progress }: Props) {
  const [open, setOpen] = useState<Shown | null>(null);
  const shown = attachments ? attachments.map(fromServer) : (localFiles ?? []).map(fromDevice);
  if (shown.length === 0) return null;
  return (
    <div class={styles.attachments}>
      {shown.map((file) =>
        file.picture ? (
          <button
            key={file.key}
            type="button"
            class={styles.picture}
            aria-label={t('openImage', { name: file.name })}
            onClick={() => setOpen(file)}
          >
            <img
              class={styles.image}
              src={file.preview}
              alt={file.name}
              width={file.width}
              height={file.height}
              loading="lazy"
              decoding="async"
            />
          </button>
        ) : (
          <div key={file.key} class={styles.file}>
            <span class={styles.fileName}>{file.name}</span>
            <span class={styles.fileSize}>{formatSize(file.size)}</span>
            {file.downloadable && (
              <a class={styles.download} href={file.full} download={file.name} aria-label={t('download', { name: file.name })}>
                ↓
              </a>
            )}
          </div>
        ),
      )}
      {progress !== undefined && progress < 1 && (
        <label class={styles.progress}>
          <span>{t('uploading', { percent: Math.floor(progress * 100) })}</span>
          <progress max={1} value={progress} />
        </label>
      )}
      {open && <ImageViewer src={open.full} name={open.name} onClose={() => setOpen(null)} />}
    </div>
  );
}
