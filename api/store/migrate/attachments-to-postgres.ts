import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import type { StoredAttachment } from '../attachment-repository.js';
import { DamagedRecordError } from './record-batches.js';

/** The size of a chunk row (migrations/008_attachments.sql says why chunks). */
const CHUNK_BYTES = 256 * 1024;

/** What the copy reads attachments from: the text store's attachment files (AttachmentFiles). */
export interface AttachmentSource {
  list(): StoredAttachment[];
  read(sha256: string): Promise<Readable | undefined>;
}

/**
 * Photos and files (issue #18) into PostgreSQL: each attachment's row (its claim too, so who may read it stays
 * the same) with its bytes and its preview's, in one transaction; bytes already there (the same photo sent
 * twice, or an earlier run) are not copied again. The bytes stream through a chunk at a time and are checked
 * against the digest that names them: a damaged file stops the copy rather than be served as the photo.
 */
export async function copyAttachments(client: pg.Client, source: AttachmentSource, onCopied: () => void): Promise<number> {
  let copied = 0;
  for (const a of source.list()) {
    const there = await client.query('SELECT 1 FROM attachments WHERE id = $1', [a.id]);
    if (there.rows.length > 0) continue;
    await client.query('BEGIN');
    try {
      await keepBytes(client, source, a.sha256);
      if (a.thumbnailSha256 !== undefined) await keepBytes(client, source, a.thumbnailSha256);
      await client.query(
        `INSERT INTO attachments (id, uploader, uploaded_at, sha256, size, type, name, width, height, thumb_sha256, claimed_to,
           claimed_client_id, claimed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
        [
          a.id,
          a.uploader,
          a.uploadedAt,
          a.sha256,
          a.size,
          a.type,
          a.name,
          a.width ?? null,
          a.height ?? null,
          a.thumbnailSha256 ?? null,
          a.claim?.to ?? null,
          a.claim?.clientId ?? null,
          a.claim?.at ?? null,
        ],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    copied++;
    onCopied();
  }
  return copied;
}

async function keepBytes(client: pg.Client, source: AttachmentSource, sha256: string): Promise<void> {
  const inserted = await client.query(
    'INSERT INTO attachment_blobs (sha256, size) VALUES ($1, 0) ON CONFLICT (sha256) DO NOTHING RETURNING sha256',
    [sha256],
  );
  if (inserted.rows.length === 0) return;
  const bytes = await source.read(sha256);
  if (bytes === undefined)
    throw new DamagedRecordError(`the bytes of attachment ${sha256} are missing from anexos/: restore them from a backup`);
  const hash = createHash('sha256');
  let n = 0;
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (upTo: number) => {
    const all = Buffer.concat(pending);
    await client.query('INSERT INTO attachment_chunks (sha256, n, data) VALUES ($1, $2, $3)', [sha256, n++, all.subarray(0, upTo)]);
    pending = [all.subarray(upTo)];
    pendingBytes = all.length - upTo;
  };
  for await (const piece of bytes as AsyncIterable<Buffer>) {
    hash.update(piece);
    size += piece.length;
    pending.push(piece);
    pendingBytes += piece.length;
    while (pendingBytes >= CHUNK_BYTES) await flush(CHUNK_BYTES);
  }
  // An empty file is one empty chunk, as the store writes it.
  if (pendingBytes > 0 || n === 0) await flush(pendingBytes);
  if (hash.digest('hex') !== sha256) {
    throw new DamagedRecordError(`anexos/${sha256} does not hold the bytes its name says (damaged): restore it from a backup`);
  }
  await client.query('UPDATE attachment_blobs SET size = $2 WHERE sha256 = $1', [sha256, size]);
}
