import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { decodeContent } from '../postgres/content.js';
import { DELETED_HASH } from '../text/account-file.js';
import { dataLayout, formatLine, type DataLayout } from '../text/data-layout.js';
import { makeFolder, nodeDisk, writeDurably } from '../text/disk.js';
import { encodeSeen, encodeSettings } from '../text/profile-file.js';
import { encodeQueue, encodeUser } from '../text/records.js';
import { encodeSessionLine } from '../text/session-records.js';
import { encodeTokenKey } from '../text/token-key-file.js';
import { exportAttachments } from './attachments-to-text.js';
import { exportBlocksAndPush } from './blocks-and-push-to-text.js';
import type { CopyProgress } from './copy-progress.js';
import { CopySourceError, safeUrl } from './copy-source.js';
import { exportHistories } from './history-to-text.js';

/**
 * `npm run export-data -- --from postgres://... --to <new folder>` (issue #5): the way back from PostgreSQL to
 * the embedded store, with the same epoch and sequence numbers, and everything the database keeps: edits,
 * deletes, hides, replies, blocks and what they withheld, attachments and their bytes, profiles, sessions,
 * push subscriptions and the VAPID keys. The files are written with the text store's codecs' encoders, its
 * data-folder layout and its durable writes (disk.ts).
 *
 * Nothing half-written: the folder is built under a hidden name beside `--to` and renamed to it only once
 * whole, so a failed export leaves no folder that the text store would open as a data set.
 */

export interface ExportResult {
  users: number;
  records: number;
  attachments: number;
  epoch: string;
}

export async function exportToTextFolder(url: string, dir: string, log: Logger, progress: CopyProgress = {}): Promise<ExportResult> {
  const target = path.resolve(dir);
  const client = new pg.Client({ connectionString: url, application_name: 'papo-export-data' });
  await client.connect();
  let building: string | undefined;
  try {
    // One snapshot for the whole export: the files agree with each other even while a server writes.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The source is checked before any folder is made: a mistyped URL leaves nothing behind (issue #19, item 14).
    const papo = (await client.query<{ t: string | null }>("SELECT to_regclass('papo_meta')::text AS t")).rows[0]?.t ?? null;
    if (papo === null) throw new CopySourceError(`the database ${safeUrl(url)} holds no Papo data (no papo_meta table): check --from`);
    const meta = new Map(
      (await client.query<{ key: string; value: string }>('SELECT key, value FROM papo_meta')).rows.map((r) => [r.key, r.value]),
    );
    const epoch = meta.get('epoch');
    if (epoch === undefined) throw new CopySourceError(`the database ${safeUrl(url)} holds no Papo data set (no epoch): check --from`);
    if (meta.has('import_unfinished')) {
      throw new CopySourceError(
        `the database ${safeUrl(url)} holds an unfinished migrate-data copy: run migrate-data again to finish it first`,
      );
    }
    await checkTarget(target);
    building = path.join(path.dirname(target), `.${path.basename(target)}.export-${randomBytes(4).toString('hex')}`);
    const files = dataLayout(building);
    await makeFolder(nodeDisk, files.histories);

    const users = (
      await client.query<{ username: string; password_hash: string; deleted: boolean }>(
        'SELECT username, password_hash, deleted_at IS NOT NULL AS deleted FROM users ORDER BY created_at, username',
      )
    ).rows;
    const records = await exportHistories(client, files, progress);
    await writeDurably(
      nodeDisk,
      files.users,
      // A deleted account is its tombstone line (issue #17): the name stays reserved in the folder too.
      users.map((u) => encodeUser({ username: u.username, passwordHash: u.deleted ? DELETED_HASH : u.password_hash })).join(''),
    );
    await exportQueue(client, files);
    await exportSessions(client, files, meta);
    await exportProfiles(client, files);
    await exportBlocksAndPush(client, files, meta);
    const attachments = await exportAttachments(client, files);
    // Last: only a folder with its format line is a data set (data-layout.ts).
    await writeDurably(nodeDisk, files.format, formatLine(epoch));
    await client.query('COMMIT');
    // An empty folder named --to is replaced whole (rename(2) takes an empty directory's place).
    await fsp.rename(building, target);
    building = undefined;
    await nodeDisk.syncFolder(path.dirname(target));
    log.info({ users: users.length, records, attachments }, 'exported');
    return { users: users.length, records, attachments, epoch };
  } finally {
    if (building !== undefined) await fsp.rm(building, { recursive: true, force: true }).catch(() => undefined);
    await client.end();
  }
}

/** `--to` must be new, or an empty folder: an export never mixes with files already there. */
async function checkTarget(target: string): Promise<void> {
  const stat = await fsp.stat(target).catch(() => undefined);
  if (stat === undefined) {
    await makeFolder(nodeDisk, path.dirname(target));
    return;
  }
  if (!stat.isDirectory() || (await fsp.readdir(target)).length > 0) throw new Error(`${target} is not empty: export into a new folder`);
}

/** The undelivered messages, as mensagens.txt holds them (a withheld message was never queued). */
async function exportQueue(client: pg.Client, files: DataLayout): Promise<void> {
  const out = await nodeDisk.open(files.queue, 'w');
  try {
    for (let after = '0'; ;) {
      const { rows } = await client.query<{
        seq: string;
        sender: string;
        recipient: string;
        content: string;
        sent_at: Date;
        client_id: string | null;
      }>(
        `SELECT m.seq, m.sender, m.recipient, m.content, m.sent_at, m.client_id FROM messages m LEFT JOIN deliveries d ON d.username = m.recipient
         WHERE m.seq > COALESCE(d.upto, 0) AND NOT m.withheld AND m.seq > $1 ORDER BY m.seq LIMIT 5000`,
        [after],
      );
      if (rows.length === 0) break;
      const lines = rows.map(
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
      );
      await out.write(lines.join(''));
      after = rows.at(-1)?.seq ?? after;
    }
    await out.datasync();
  } finally {
    await out.close();
  }
}

/** Live sessions (ids already SHA-256 on both sides: nobody is logged out), the secret and the token key. */
async function exportSessions(client: pg.Client, files: DataLayout, meta: ReadonlyMap<string, string>): Promise<void> {
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
}

async function exportProfiles(client: pg.Client, files: DataLayout): Promise<void> {
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
}
