import sharp from 'sharp';
import { AppError } from '../errors.js';
import type { FinishedFile, StagedFile } from '../store/store.js';
import { REENCODED_IMAGE_TYPES } from './file-kind.js';
import { digestOf } from './receive-upload.js';

/** The preview's box: it fits inside, never enlarged. */
export const THUMBNAIL_SIZE = 320;
/**
 * Bigger pictures are refused: decoding one takes width x height x 4 bytes of memory, so a small file that
 * claims 30,000 x 30,000 pixels would cost gigabytes (a decompression bomb). 60 million covers phone cameras.
 */
export const MAX_IMAGE_PIXELS = 60_000_000;

// Files are read once: sharp's operation cache would only hold memory.
sharp.cache(false);

export interface ProcessedImage {
  /** What is kept and served: the upload re-encoded without its metadata (a GIF: the upload as it was). */
  file: FinishedFile;
  thumbnail: FinishedFile;
  width: number;
  height: number;
}

/**
 * An image as it is kept (issue #18): JPEG, PNG and WebP re-encoded in their own format, turned upright by
 * their EXIF orientation first, which leaves every piece of metadata behind (sharp writes none unless asked):
 * EXIF, GPS, XMP, the camera's maker notes. Phones put home addresses in photos. A GIF carries no EXIF and is
 * kept as uploaded (re-encoding an animation would cost its quality). And a WebP preview, made once.
 */
export async function processImage(raw: FinishedFile, type: string, stage: () => Promise<StagedFile>): Promise<ProcessedImage> {
  const made: StagedFile[] = [];
  const next = async () => {
    const staged = await stage();
    made.push(staged);
    await staged.close(); // sharp writes it by name
    return staged;
  };
  try {
    const options = { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' } as const;
    let file = raw;
    let width: number;
    let height: number;
    if (REENCODED_IMAGE_TYPES.has(type)) {
      const out = await next();
      const image = sharp(raw.staged.path, options).autoOrient();
      const encoded =
        type === 'image/jpeg' ? image.jpeg({ quality: 90 }) : type === 'image/png' ? image.png() : image.webp({ quality: 90 });
      const info = await encoded.toFile(out.path);
      ({ width, height } = info);
      file = await digestOf(out);
    } else {
      const meta = await sharp(raw.staged.path, options).metadata();
      width = meta.width;
      height = meta.pageHeight ?? meta.height;
    }
    const thumb = await next();
    await sharp(file.staged.path, options)
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toFile(thumb.path);
    const thumbnail = await digestOf(thumb);
    if (file !== raw) await raw.staged.discard();
    return { file, thumbnail, width, height };
  } catch (err) {
    for (const staged of made) await staged.discard();
    if (err instanceof AppError) throw err;
    const message =
      err instanceof Error && /pixel limit/i.test(err.message)
        ? `an image may have at most ${MAX_IMAGE_PIXELS} pixels`
        : 'the image could not be read (damaged or not what its first bytes say)';
    throw new AppError('invalid_request', message, { cause: err });
  }
}
