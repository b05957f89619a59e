import { create as contentDisposition } from 'content-disposition';
import { fileTypeFromFile } from 'file-type';

/**
 * What a file is, read from its bytes (issue #18): the client's word for it (a Content-Type, a file name's
 * extension) is never asked. `file-type` reads the magic numbers at the start of the file.
 */

/** The only types shown inline, as pictures in the conversation. Everything else is a download. */
export const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/** Images whose metadata (EXIF, GPS, XMP) is stripped by re-encoding them (image-processing.ts). */
export const REENCODED_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp']);

/** Bytes nobody recognises: served as a download of this type. */
export const UNKNOWN_TYPE = 'application/octet-stream';

export async function sniffType(file: string): Promise<string> {
  const found = await fileTypeFromFile(file);
  return found?.mime ?? UNKNOWN_TYPE;
}

/**
 * The Content-Disposition of a served file: `inline` for the allowed image types only, `attachment` for
 * everything else, with the name in both the plain ASCII `filename` (non-ASCII replaced) and the RFC 5987
 * `filename*` (UTF-8), as `content-disposition` writes them.
 */
export function dispositionOf(type: string, name: string): string {
  return contentDisposition(name, { type: INLINE_IMAGE_TYPES.has(type) ? 'inline' : 'attachment' });
}
