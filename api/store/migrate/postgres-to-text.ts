import { nothingNotCarried, notCarriedReason } from './not-carried.js';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { decodeContent } from '../postgres/content.js';
import { dataLayout, formatLine } from '../text/data-layout.js';
import { makeFolder, nodeDisk, writeDurably } from '../text/disk.js';
import { encodeSeen, encodeSettings } from '../text/profile-file.js';
import { encodeHistory, encodeQueue, encodeUser, type HistoryRecord } from '../text/records.js';
import { encodeSessionLine } from '../text/session-file.js';
import { encodeTokenKey } from '../text/token-key-file.js';
import type { CopyProgress } from './copy-progress.js';
import { CopySourceError, safeUrl } from './copy-source.js';

/**
 * `npm run export-data -- --from postgres://... --to <new folder>` (issue #5): the way back from PostgreSQL to
 * the embedded store, with the same epoch and sequence numbers. The files are written with the text store's
 * codecs' encoders, its data-folder layout and its durable write (disk.ts).
 */

export interface ExportResult {
  users: number;
  records: number;
  epoch: string;
}

/**
 * Writes the database out as a text data folder (docs/storage.md) in `dir`, which must be empty or absent:
 * the way back from PostgreSQL to the embedded store, with the same epoch and sequence numbers.
 */
export async function exportToTextFolder(url: string, dir: string, log: Logger, progress: CopyProgress = {}): Promise<ExportResult> {
  const files = dataLayout(dir);
  const client = new pg.Client({ connectionString: url, application_name: 'papo-export-data' });
  await client.connect();
  try {
    // One snapshot for the whole export: the files agree with each other even while a server writes.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The source is checked before the folder is made: a mistyped URL leaves nothing behind (issue #19, item 14).
    const papo = (await client.query<{ t: string | null }>("SELECT to_regclass('papo_meta')::text AS t")).rows[0]?.t ?? null;
    if (papo === null) throw new CopySourceError(`the database ${safeUrl(url)} holds no Papo data (no papo_meta table): check --from`);
    const meta = new Map(
      (await client.query<{ key: string; value: string }>('SELECT key, value FROM papo_meta')).rows.map((r) => [r.key, r.value]),
    );
    const [{ n: attachments } = { n: 0 }] = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM attachments')).rows;
    if (attachments > 0) {
      // Photos and files (issue #18) are not copied by this tool yet: refused rather than left behind.
      throw new Error(
        `the database holds ${attachments} attachment(s) (photos, files, profile photos), which export-data does not copy yet`,
      );
    }
    const [counts] = (
      await client.query<{ blocks: number; withheld: number; changes: number; replies: number }>(
        `SELECT (SELECT count(*) FROM blocks)::int AS blocks,
                (SELECT count(*) FROM messages WHERE withheld)::int AS withheld,
                (SELECT count(*) FROM events WHERE kind IN ('ed', 'del', 'hd'))::int AS changes,
                (SELECT count(*) FROM messages WHERE reply_to IS NOT NULL)::int AS replies`,
      )
    ).rows;
    const refusal = notCarriedReason(counts ?? nothingNotCarried(), 'export-data');
    if (refusal !== undefined) throw new Error(refusal);
    const epoch = meta.get('epoch');
    if (epoch === undefined) throw new CopySourceError(`the database ${safeUrl(url)} holds no Papo data set (no epoch): check --from`);
    await makeFolder(nodeDisk, files.histories);
    const existing = (await fsp.readdir(dir)).filter((n) => path.join(dir, n) !== files.histories);
    if (existing.length > 0 || (await fsp.readdir(files.histories)).length > 0)
      throw new Error(`${dir} is not empty: export into a new folder`);
    const users = (
      await client.query<{ username: string; password_hash: string }>(
        'SELECT username, password_hash FROM users ORDER BY created_at, username',
      )
    ).rows;
    const [{ n: totalText } = { n: '0' }] = (await client.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows;
    const total = Number(totalText);
    let done = 0;
    progress.onProgress?.(0, total);
    for (const u of users) {
      let lines = '';
      let after = 0;
      for (;;) {
        const rows = (
          await client.query<EventRow>(
            `SELECT e.seq, e.kind, e.peer, e.message_seq, e.status, e.at, m.sender, m.recipient, m.content, m.client_id
             FROM events e LEFT JOIN messages m ON e.kind = 'msg' AND m.seq = e.seq
             WHERE e.username = $1 AND e.seq > $2 ORDER BY e.seq LIMIT 5000`,
            [u.username, after],
          )
        ).rows;
        if (rows.length === 0) break;
        for (const r of rows) lines += encodeHistory(toRecord(r));
        after = Number(rows.at(-1)?.seq ?? after);
        done += rows.length;
        progress.onProgress?.(done, total);
      }
      if (lines !== '') await writeDurably(nodeDisk, files.history(u.username), lines);
    }
    await writeDurably(
      nodeDisk,
      files.users,
      users.map((u) => encodeUser({ username: u.username, passwordHash: u.password_hash })).join(''),
    );
    const queued = (
      await client.query<{ seq: string; sender: string; recipient: string; content: string; sent_at: Date; client_id: string | null }>(
        `SELECT m.seq, m.sender, m.recipient, m.content, m.sent_at, m.client_id FROM messages m LEFT JOIN deliveries d ON d.username = m.recipient
         WHERE m.seq > COALESCE(d.upto, 0) ORDER BY m.seq`,
      )
    ).rows;
    await writeDurably(
      nodeDisk,
      files.queue,
      queued
        .map(
          (m) =>
            encodeQueue({
              seq: Number(m.seq),
              from: m.sender,
              to: m.recipient,
              content: decodeContent(m.content),
              sentAt: m.sent_at.toISOString(),
              delivered: false,
              clientId: m.client_id ?? undefined,
            }).line,
        )
        .join(''),
    );
    const sessions = (
      await client.query<{ sid: string; sess: unknown; ms: string }>(
        'SELECT sid, sess, (extract(epoch FROM expire) * 1000)::bigint AS ms FROM session WHERE expire > now()::timestamp',
      )
    ).rows;
    await writeDurably(
      nodeDisk,
      files.sessions,
      sessions.map((s) => encodeSessionLine({ kind: 's', key: s.sid, expires: Number(s.ms), json: JSON.stringify(s.sess) })).join(''),
    );
    const secret = meta.get('session_secret');
    if (secret) await writeDurably(nodeDisk, files.sessionSecret, `${secret}\n`);
    // A database never started since ids became tokens has no key: the text store makes one on its first start.
    const tokenKey = meta.get('token_key');
    if (tokenKey) {
      const k = { key: Buffer.from(tokenKey, 'hex'), legacyIdsUpTo: Number(meta.get('legacy_ids_up_to') ?? 0) };
      await writeDurably(nodeDisk, files.tokenKey, encodeTokenKey(k));
    }
    const profiles = (
      await client.query<{
        username: string;
        display_name: string | null;
        last_seen_visibility: 'everyone' | 'nobody';
        last_seen_at: string | null;
        photo: string | null;
      }>('SELECT username, display_name, last_seen_visibility, last_seen_at, photo FROM profiles ORDER BY username')
    ).rows;
    await writeDurably(
      nodeDisk,
      files.profiles,
      profiles
        .map(
          (p) =>
            encodeSettings(p.username, { displayName: p.display_name, lastSeenVisibility: p.last_seen_visibility, photo: p.photo }) +
            (p.last_seen_at === null ? '' : encodeSeen(p.username, Number(p.last_seen_at))),
        )
        .join(''),
    );
    await writeDurably(nodeDisk, files.format, formatLine(epoch));
    await client.query('COMMIT');
    return { users: users.length, records: done, epoch };
  } finally {
    await client.end();
  }
}

/** A row of the export query: an event, joined to its message when it is one. */
interface EventRow {
  seq: string;
  kind: 'msg' | 'st' | 'rd';
  peer: string;
  message_seq: string;
  status: 'delivered' | 'read' | null;
  at: Date;
  sender: string | null;
  recipient: string | null;
  content: string | null;
  client_id: string | null;
}

function toRecord(r: EventRow): HistoryRecord {
  const seq = Number(r.seq);
  const at = r.at.toISOString();
  if (r.kind === 'msg')
    return {
      kind: 'msg',
      seq,
      sentAt: at,
      from: r.sender ?? '',
      to: r.recipient ?? '',
      content: decodeContent(r.content ?? ''),
      clientId: r.client_id ?? undefined,
    };
  if (r.kind === 'st') return { kind: 'st', seq, at, messageSeq: Number(r.message_seq), status: r.status ?? 'delivered', peer: r.peer };
  return { kind: 'rd', seq, at, peer: r.peer, upTo: Number(r.message_seq) };
}
