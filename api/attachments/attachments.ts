import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Attachment } from '../contract.js';
import { AppError } from '../errors.js';
import type { AttachmentRepository, ByteRange, MessageAttachment, StoredAttachment } from '../store/store.js';
import { cleanFileName } from './file-name.js';
import { dispositionOf, INLINE_IMAGE_TYPES, sniffType } from './file-kind.js';
import { processImage } from './image-processing.js';
import { receiveUpload, tooLarge } from './receive-upload.js';

/** Uploads no message carries are removed after this long (issue #18: "after a day"). */
export const UNCLAIMED_TTL_MS = 24 * 60 * 60 * 1000;

export interface UploadInput {
  uploader: string;
  /** The name the client gave, cleaned here (file-name.ts). */
  name: string | undefined;
  body: AsyncIterable<Buffer>;
  /** The request's Content-Length, when it gave one: over the limit, refused before a byte is read. */
  declaredLength: number | undefined;
}

/** A stored file on its way to a reader, with what its answer says about it. */
export interface ServedFile {
  /** Opens its bytes, or `range` of them (only when `size` is known); 404 when they are gone. */
  read(range?: ByteRange): Promise<Readable>;
  type: string;
  /** Known for the file itself (a range may be asked of it), not for a preview. */
  size: number | undefined;
  etag: string;
  disposition: string;
}

export interface Attachments {
  readonly maxBytes: number;
  upload(input: UploadInput): Promise<Attachment>;
  /** The file (or its preview) for `user`: 404 unless they uploaded it or a message carrying it was sent to them. */
  open(user: string, id: string, variant: 'file' | 'thumbnail'): Promise<ServedFile>;
  /** Whether a message points to it (an attachment goes with one send): a message deleted takes its own along. */
  isReferenced(id: string): Promise<boolean>;
  /** Removes attachments durably, and their bytes when no other upload shares them (a deleted message's). */
  release(ids: readonly string[]): Promise<void>;
  /**
   * Removes the uploads no message carries that are older than a day, and finishes the removals a crash or a
   * failed write cut short; returns how many.
   */
  sweep(): Promise<number>;
}

export function createAttachments(repo: AttachmentRepository, options: { maxBytes: number; now?: () => Date }): Attachments {
  const now = options.now ?? (() => new Date());
  const notFound = () => new AppError('attachment_not_found', 'there is no such attachment');

  return {
    maxBytes: options.maxBytes,

    async upload({ uploader, name, body, declaredLength }) {
      if (declaredLength !== undefined && declaredLength > options.maxBytes) throw tooLarge(options.maxBytes);
      const raw = await receiveUpload(body, await repo.stage(), options.maxBytes);
      let type: string;
      try {
        type = await sniffType(raw.staged.path);
      } catch (err) {
        await raw.staged.discard();
        throw err;
      }
      const image = INLINE_IMAGE_TYPES.has(type) ? await processImage(raw, type, () => repo.stage()) : undefined;
      const stored = await repo.add({
        id: randomBytes(16).toString('base64url'),
        uploader,
        uploadedAt: now().toISOString(),
        name: cleanFileName(name),
        type,
        file: image?.file ?? raw,
        ...(image ? { thumbnail: image.thumbnail, width: image.width, height: image.height } : {}),
      });
      return wireAttachment(stored);
    },

    async open(user, id, variant) {
      const a = await repo.get(id);
      if (!a || (a.uploader !== user && a.claim?.to !== user)) throw notFound();
      const sha256 = variant === 'file' ? a.sha256 : a.thumbnailSha256;
      if (sha256 === undefined) throw notFound();
      const read = async (range?: ByteRange) => {
        const body = await repo.read(sha256, range);
        if (!body) throw notFound();
        return body;
      };
      return variant === 'file'
        ? { read, type: a.type, size: a.size, etag: `"${sha256}"`, disposition: dispositionOf(a.type, a.name) }
        : {
            read,
            type: 'image/webp',
            size: undefined,
            etag: `"${sha256}"`,
            disposition: dispositionOf('image/webp', `preview-${a.name}.webp`),
          };
    },

    async isReferenced(id) {
      return (await repo.get(id))?.claim !== undefined;
    },

    release: (ids) => repo.remove(ids),

    async sweep() {
      const dayAgo = new Date(now().getTime() - UNCLAIMED_TTL_MS);
      const ids = await repo.unclaimedBefore(dayAgo);
      await repo.remove(ids);
      // What a crash or a failed write left of a delete or a send (issue #18): no message points to those files.
      return ids.length + (await repo.finishRemovals(dayAgo));
    },
  };
}

/**
 * Claims the attachments of a send, in the order given, before the message is stored: each must be one the
 * sender uploaded (else 404, as for an id that never existed) and carried by no other send (409). A retry of
 * the same send (same recipient and clientId) finds them its own. A crash between the claim and the message
 * leaves the upload claimed by a message that never was: on the text store it then stays until removed by
 * hand; PostgreSQL's sweep removes it a day after the claim (pg-attachments.ts finishRemovals). Never swept
 * from under a message.
 */
export async function claimForSend(
  repo: AttachmentRepository,
  send: { from: string; to: string; clientId: string | undefined; ids: readonly string[]; at: string },
): Promise<MessageAttachment[]> {
  const out: MessageAttachment[] = [];
  for (const id of send.ids) {
    const outcome = await repo.claim(id, send.from, { to: send.to, clientId: send.clientId, at: send.at });
    if (outcome === 'not_found') throw new AppError('attachment_not_found', `there is no attachment ${JSON.stringify(id)} of yours`);
    if (outcome === 'in_use') {
      throw new AppError('attachment_in_use', `attachment ${JSON.stringify(id)} already goes with another message; upload the file again`);
    }
    const a = await repo.get(id);
    if (!a) throw new AppError('attachment_not_found', `there is no attachment ${JSON.stringify(id)} of yours`);
    out.push(wireAttachment(a));
  }
  return out;
}

/**
 * A send refused after its claim (its clientId was used for another message, or its recipient deleted
 * their account: `carriedByEarlier` is then empty) takes its claims back: its
 * recipient must not gain the files of a message never stored. The earlier message's own files (the same
 * send, retried with other text) stay claimed: it carries them.
 */
export async function unclaimRefused(
  repo: AttachmentRepository,
  send: { to: string; clientId: string | undefined; ids: readonly string[] },
  carriedByEarlier: readonly MessageAttachment[],
): Promise<void> {
  const keep = new Set(carriedByEarlier.map((a) => a.id));
  await repo.unclaim(
    send.ids.filter((id) => !keep.has(id)),
    { to: send.to, clientId: send.clientId },
  );
}

function wireAttachment(a: StoredAttachment): Attachment {
  const out: Attachment = { id: a.id, name: a.name, type: a.type, size: a.size, thumbnail: a.thumbnail };
  if (a.width !== undefined) out.width = a.width;
  if (a.height !== undefined) out.height = a.height;
  return out;
}
