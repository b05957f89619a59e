import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { encodeAttachmentRecord } from '../text/attachment-records.js';
import { makeFolder, nodeDisk } from '../text/disk.js';
import type { DataLayout } from '../text/data-layout.js';
import { toAttachment, type AttachmentRow } from '../postgres/pg-attachment-rows.js';
import { DamagedRecordError } from './record-batches.js';

const PAGE = 500;

/**
 * Photos and files (issue #18) out of PostgreSQL into anexos.txt and anexos/ (docs/storage.md): an `up` line
 * per attachment, a `use` line for its claim, and the bytes of each digest once, streamed a chunk at a time
 * and checked against the digest that names them. Returns how many attachments were written.
 */
export async function exportAttachments(client: pg.Client, files: DataLayout): Promise<number> {
  await makeFolder(nodeDisk, files.attachmentBytes);
  const out = await nodeDisk.open(files.attachments, 'w');
  let count = 0;
  try {
    for (let after = ''; ;) {
      const { rows } = await client.query<AttachmentRow>('SELECT * FROM attachments WHERE id > $1 ORDER BY id LIMIT $2', [after, PAGE]);
      if (rows.length === 0) break;
      let lines = '';
      for (const r of rows) {
        const attachment = toAttachment(r);
        lines += encodeAttachmentRecord({ kind: 'up', attachment });
        if (attachment.claim) lines += encodeAttachmentRecord({ kind: 'use', id: r.id, claim: attachment.claim });
        await writeBytes(client, files.attachmentBytes, r.sha256);
        if (r.thumb_sha256 !== null) await writeBytes(client, files.attachmentBytes, r.thumb_sha256);
      }
      await out.write(lines);
      count += rows.length;
      after = rows.at(-1)?.id ?? after;
    }
    await out.datasync();
  } finally {
    await out.close();
  }
  await nodeDisk.syncFolder(files.attachmentBytes);
  return count;
}

/** The bytes of one digest, unless an attachment sharing them wrote them already. */
async function writeBytes(client: pg.Client, folder: string, sha256: string): Promise<void> {
  const file = path.join(folder, sha256);
  const there = await fsp.access(file).then(
    () => true,
    () => false,
  );
  if (there) return;
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM attachment_chunks WHERE sha256 = $1', [sha256]);
  const chunks = rows[0]?.n ?? 0;
  if (chunks === 0) throw new DamagedRecordError(`the bytes of attachment ${sha256} are missing from the database`);
  const handle = await nodeDisk.open(file, 'w');
  const hash = createHash('sha256');
  try {
    for (let n = 0; n < chunks; n++) {
      const [row] = (await client.query<{ data: Buffer }>('SELECT data FROM attachment_chunks WHERE sha256 = $1 AND n = $2', [sha256, n]))
        .rows;
      if (!row) throw new DamagedRecordError(`the bytes of attachment ${sha256} lost chunk ${n} in the database`);
      hash.update(row.data);
      await handle.write(row.data, 0, row.data.length);
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
  if (hash.digest('hex') !== sha256) throw new DamagedRecordError(`the bytes of attachment ${sha256} in the database are damaged`);
}
