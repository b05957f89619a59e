import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type pg from 'pg';
import {
  stagedFile,
  type AttachmentClaim,
  type AttachmentRepository,
  type ByteRange,
  type ClaimOutcome,
  type FinishedFile,
  type NewAttachment,
  type StagedFile,
  type StoredAttachment,
} from '../attachment-repository.js';
import type { Db } from './db.js';
import { toAttachment, type AttachmentRow } from './pg-attachment-rows.js';

/** Bytes per row of attachment_chunks (migrations/008_attachments.sql says why chunks). */
const CHUNK_BYTES = 256 * 1024;

/**
 * Attachments in PostgreSQL (issue #18): every process serves every file. An upload is received into a
 * private temporary folder of this process, then copied into the database a chunk at a time, in one
 * transaction with its record, and the temporary file removed.
 */
export class PgAttachments implements AttachmentRepository {
  private staging: Promise<string> | undefined;

  constructor(private readonly db: Db) {}

  async stage(): Promise<StagedFile> {
    this.staging ??= fsp.mkdtemp(path.join(os.tmpdir(), 'papo-uploads-'));
    const file = path.join(await this.staging, `upload-${randomBytes(8).toString('hex')}.tmp`);
    const handle = await fsp.open(file, 'w', 0o600);
    return stagedFile(file, { write: (chunk) => handle.write(chunk), close: () => handle.close() }, (f) => fsp.unlink(f));
  }

  async add(a: NewAttachment): Promise<StoredAttachment> {
    const client = await this.db.pool.connect().catch((err: unknown) => {
      throw this.db.translate(err);
    });
    try {
      await client.query('BEGIN');
      for (const f of [a.file, ...(a.thumbnail ? [a.thumbnail] : [])]) await this.keep(client, f);
      const rows = await client.query<AttachmentRow>(
        `INSERT INTO attachments (id, uploader, uploaded_at, sha256, size, type, name, width, height, thumb_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [
          a.id,
          a.uploader,
          a.uploadedAt,
          a.file.sha256,
          a.file.size,
          a.type,
          a.name,
          a.width ?? null,
          a.height ?? null,
          a.thumbnail?.sha256 ?? null,
        ],
      );
      await client.query('COMMIT');
      const [row] = rows.rows;
      if (!row) throw new Error('the attachment row was not returned');
      return toAttachment(row);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.db.translate(err);
    } finally {
      client.release();
      await a.file.staged.discard();
      await a.thumbnail?.staged.discard();
    }
  }

  async get(id: string): Promise<StoredAttachment | undefined> {
    const [row] = await this.db.query<AttachmentRow>('SELECT * FROM attachments WHERE id = $1', [id]);
    return row && toAttachment(row);
  }

  async claim(id: string, from: string, claim: AttachmentClaim): Promise<ClaimOutcome> {
    // One statement: of two sends racing for it, one sets the claim and the other finds it set.
    const [row] = await this.db.query<{ claimed_to: string | null; claimed_client_id: string | null; mine: boolean }>(
      `WITH taken AS (
         UPDATE attachments SET claimed_to = $3, claimed_client_id = $4, claimed_at = $5
         WHERE id = $1 AND uploader = $2 AND claimed_to IS NULL RETURNING id)
       SELECT a.claimed_to, a.claimed_client_id, EXISTS (SELECT 1 FROM taken) AS mine
       FROM attachments a WHERE a.id = $1 AND a.uploader = $2`,
      [id, from, claim.to, claim.clientId ?? null, claim.at],
    );
    if (!row) return 'not_found';
    if (row.mine) return 'claimed';
    const retry = row.claimed_to === claim.to && claim.clientId !== undefined && row.claimed_client_id === claim.clientId;
    return retry ? 'claimed' : 'in_use';
  }

  async unclaim(ids: readonly string[], claim: Omit<AttachmentClaim, 'at'>): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE attachments SET claimed_to = NULL, claimed_client_id = NULL, claimed_at = NULL
       WHERE id = ANY ($1) AND claimed_to = $2 AND claimed_client_id IS NOT DISTINCT FROM $3`,
      [ids, claim.to, claim.clientId ?? null],
    );
  }

  async read(sha256: string, range?: ByteRange): Promise<Readable | undefined> {
    const [blob] = await this.db.query<{ chunks: string }>(
      'SELECT (SELECT count(*) FROM attachment_chunks c WHERE c.sha256 = b.sha256) AS chunks FROM attachment_blobs b WHERE b.sha256 = $1',
      [sha256],
    );
    if (!blob) return undefined;
    const chunks = Number(blob.chunks);
    const db = this.db;
    // Every chunk but the last holds CHUNK_BYTES (keep writes them so): a range starts at a known chunk.
    const first = range ? Math.floor(range.start / CHUNK_BYTES) : 0;
    const last = range ? Math.min(chunks - 1, Math.floor(range.end / CHUNK_BYTES)) : chunks - 1;
    // A chunk at a time, when the reader wants it: a slow download holds one chunk, not the file.
    return Readable.from(
      (async function* () {
        for (let n = first; n <= last; n++) {
          const [row] = await db.query<{ data: Buffer }>('SELECT data FROM attachment_chunks WHERE sha256 = $1 AND n = $2', [sha256, n]);
          if (!row) throw new Error(`attachment bytes ${sha256} lost chunk ${n}`);
          if (!range) {
            yield row.data;
            continue;
          }
          if (n < chunks - 1 && row.data.length !== CHUNK_BYTES) throw new Error(`attachment bytes ${sha256} have a short chunk ${n}`);
          const at = n * CHUNK_BYTES;
          yield row.data.subarray(Math.max(0, range.start - at), Math.max(0, range.end + 1 - at));
        }
      })(),
    );
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `WITH gone AS (DELETE FROM attachments WHERE id = ANY ($1) RETURNING sha256, thumb_sha256),
         digests AS (SELECT sha256 AS d FROM gone UNION SELECT thumb_sha256 FROM gone WHERE thumb_sha256 IS NOT NULL)
       DELETE FROM attachment_blobs b USING digests
       WHERE b.sha256 = digests.d
         AND NOT EXISTS (SELECT 1 FROM attachments a WHERE (a.sha256 = b.sha256 OR a.thumb_sha256 = b.sha256) AND a.id <> ALL ($1))`,
      [ids],
    );
  }

  /**
   * A delete takes its message's attachments in its own transaction (migrations/015), so what is left to
   * finish are uploads claimed before `before` that no message carries: a send that failed or a process
   * killed between the claim and the message, or a delete made before that migration. A profile photo is
   * claimed by its owner for themself and goes with no message: never one of these.
   */
  async finishRemovals(before: Date): Promise<number> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT a.id FROM attachments a
       WHERE a.claimed_to IS NOT NULL AND a.claimed_at < $1 AND a.claimed_to <> a.uploader
         AND NOT EXISTS (
           SELECT 1 FROM messages m
           WHERE m.sender = a.uploader AND m.recipient = a.claimed_to
             AND (a.claimed_client_id IS NULL OR m.client_id = a.claimed_client_id)
             AND m.attachments @> jsonb_build_array(jsonb_build_object('id', a.id)))
       ORDER BY a.claimed_at LIMIT 1000`,
      [before],
    );
    await this.remove(rows.map((r) => r.id));
    return rows.length;
  }

  async unclaimedBefore(before: Date): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      'SELECT id FROM attachments WHERE claimed_to IS NULL AND uploaded_at < $1 ORDER BY uploaded_at LIMIT 1000',
      [before],
    );
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    const staging = await this.staging?.catch(() => undefined);
    if (staging !== undefined) await fsp.rm(staging, { recursive: true, force: true });
  }

  /**
   * Copies a file's bytes in, a chunk at a time, unless that content is there already. The upsert locks an
   * existing row until this transaction ends, so a removal running meanwhile cannot take it from under us.
   */
  private async keep(client: pg.PoolClient, f: FinishedFile): Promise<void> {
    const { rows } = await client.query<{ inserted: boolean }>(
      `INSERT INTO attachment_blobs (sha256, size) VALUES ($1, $2)
       ON CONFLICT (sha256) DO UPDATE SET size = excluded.size RETURNING (xmax = 0) AS inserted`,
      [f.sha256, f.size],
    );
    if (!rows[0]?.inserted) return;
    const handle = await fsp.open(f.staged.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      for (let n = 0, at = 0; ; n++) {
        const { bytesRead } = await handle.read(buf, 0, CHUNK_BYTES, at);
        if (bytesRead === 0 && n > 0) break;
        await client.query('INSERT INTO attachment_chunks (sha256, n, data) VALUES ($1, $2, $3)', [
          f.sha256,
          n,
          buf.subarray(0, bytesRead),
        ]);
        at += bytesRead;
        if (bytesRead < CHUNK_BYTES) break;
      }
    } finally {
      await handle.close();
    }
  }
}
