import { promises as fsp } from 'node:fs';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { migrate } from '../postgres/migrate.js';
import { MIGRATIONS_DIR } from '../postgres/postgres-store.js';
import type { TokenKey } from '../store.js';
import { DELETED_HASH } from '../text/account-file.js';
import { loadRecordFile } from '../text/line-file.js';
import { decodeHistory } from '../text/records.js';
import { copyAttachments } from './attachments-to-postgres.js';
import { copyBlocksAndPush } from './blocks-and-push-to-postgres.js';
import { copyHistoryBatch, settleChanges } from './history-to-rows.js';
import { recordBatches } from './record-batches.js';
import { decodeSession } from '../text/session-records.js';
import { TextStore } from '../text/text-store.js';
import type { TextCopySource } from '../text/text-copy-source.js';
import type { CopyProgress } from './copy-progress.js';
import { checkTextSource } from './copy-source.js';

/**
 * `npm run migrate-data -- --from <folder> --to postgres://...` (issue #5): a text data folder into
 * PostgreSQL. Sequence numbers, the epoch and the key of the ids and cursors are kept, so the phones' cursors
 * and message ids stay valid, and the session ids are already stored hashed on both sides, so nobody is
 * logged out. Everything the folder holds is carried (docs/postgres.md has the list): edits, deletes, hides,
 * replies, blocks and what they withheld, attachments and their bytes, profiles, push subscriptions and the
 * VAPID keys. The folder is read through the text store's public faces (TextStore.copySource, its
 * repositories) and its codecs' decoders; the rows are PostgreSQL's tables as its migrations define them.
 *
 * Importing is idempotent (every insert is ON CONFLICT DO NOTHING) and resumable (each history file's
 * progress is recorded in papo_meta in the same transaction as its rows); until its last transaction the
 * database is marked unfinished, and PostgresStore refuses to serve it.
 */

export interface ImportResult {
  users: number;
  /** History records inserted by this run (0 when run again). */
  inserted: number;
  epoch: string;
}

const BATCH = 1000;

export async function importTextFolder(
  dir: string,
  url: string,
  log: Logger,
  hashPassword: (plain: string) => Promise<string>,
  progress: CopyProgress = {},
): Promise<ImportResult> {
  await checkTextSource(dir);
  // Opening it with the text store takes its lock (the server must be stopped), converts an old-system
  // folder the way a first start would (originals kept in backup-legacy/), repairs torn tails and replays
  // the journal: what is copied is exactly what the text store would serve.
  const text = await TextStore.open({ dataDir: dir, log, hashPassword, sessionTtlMs: 30 * 24 * 3600 * 1000 });
  const source = text.copySource();
  const { locked } = source;
  if (locked.length > 0) {
    // PostgreSQL has no locked accounts: copying the folder as it is would free these names (issue #15).
    await text.close();
    throw new Error(
      `${locked.length} account(s) in ${dir} are locked because their line in usuarios.txt is damaged (${locked.join(', ')}); ` +
        'give each a new password with npm run reset-password first',
    );
  }
  const client = new pg.Client({ connectionString: url, application_name: 'papo-migrate-data' });
  await client.connect();
  try {
    await migrate(client, MIGRATIONS_DIR, log);
    const epoch = text.messages.epoch;
    await claimEpoch(client, epoch);
    await copyTokenKey(client, await text.messages.tokenKey());
    const users = source.accounts;
    await client.query(
      'INSERT INTO users (username, password_hash) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (username) DO NOTHING',
      [[...users.keys()], [...users.values()]],
    );
    // Deleted accounts (issue #17): the tombstone keeps each name reserved, and the messages they sent, which
    // stay with the people they sent them to, point to it. The folder keeps no time of the deletion: the copy's.
    await client.query(
      `INSERT INTO users (username, password_hash, deleted_at) SELECT n, $2, now() FROM unnest($1::text[]) AS n
       ON CONFLICT (username) DO NOTHING`,
      [source.deleted, DELETED_HASH],
    );
    // Profiles (issue #19): display names, who sees one's last seen, when one was last seen. Only those
    // that differ from the defaults; a profile already in the database is kept (a second run changes nothing).
    const profiles = (await text.profiles.get([...users.keys()])).filter(
      (p) => p.displayName !== null || p.lastSeenVisibility !== 'everyone' || p.lastSeenAt !== null || p.photo !== null,
    );
    await client.query(
      `INSERT INTO profiles (username, display_name, last_seen_visibility, last_seen_at, photo)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) ON CONFLICT (username) DO NOTHING`,
      [
        profiles.map((p) => p.username),
        profiles.map((p) => p.displayName),
        profiles.map((p) => p.lastSeenVisibility),
        profiles.map((p) => p.lastSeenAt),
        profiles.map((p) => p.photo),
      ],
    );

    const files = [...users.keys()].map((u) => ({ user: u, file: source.historyFile(u) }));
    const sizes = await Promise.all(files.map(async (f) => (await fsp.stat(f.file).catch(() => ({ size: 0 }))).size));
    const total = sizes.reduce((a, b) => a + b, 0);
    let done = 0;
    let inserted = 0;
    progress.onProgress?.(0, total);
    for (const { user, file } of files) {
      const key = `import:${user}`;
      const resumeAfter = Number(
        (await client.query<{ value: string }>('SELECT value FROM papo_meta WHERE key = $1', [key])).rows[0]?.value ?? 0,
      );
      for await (const batch of recordBatches(file, decodeHistory, BATCH)) {
        const fresh = batch.records.filter((r) => r.seq > resumeAfter);
        if (fresh.length > 0) inserted += await copyHistoryBatch(client, user, fresh, key);
        done += batch.bytes;
        progress.onProgress?.(done, total);
      }
    }
    const attachments = await copyAttachments(client, text.attachments, () => undefined);
    if (attachments > 0) log.info({ attachments }, 'attachments copied');

    // What the queue knew: each recipient's delivered prefix (docs/storage.md: delivery is a prefix).
    const highest = Math.max(
      source.committedSeq,
      Number((await client.query<{ s: string | null }>('SELECT max(seq) AS s FROM events')).rows[0]?.s ?? 0),
    );
    const names = [...users.keys()];
    const upto = names.map((u) => {
      const first = source.firstUndelivered(u);
      return first === undefined ? highest : first - 1;
    });
    await client.query('BEGIN');
    await client.query(
      'INSERT INTO deliveries (username, upto) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (username) DO UPDATE SET upto = GREATEST(deliveries.upto, excluded.upto)',
      [names, upto],
    );
    await client.query(`INSERT INTO conversations (username, peer, last_seq) SELECT username, peer, max(seq) FROM events WHERE kind = 'msg' GROUP BY username, peer
      ON CONFLICT (username, peer) DO UPDATE SET last_seq = GREATEST(conversations.last_seq, excluded.last_seq)`);
    await client.query(`INSERT INTO read_marks (username, peer, upto) SELECT username, peer, max(message_seq) FROM events WHERE kind = 'rd' GROUP BY username, peer
      ON CONFLICT (username, peer) DO UPDATE SET upto = GREATEST(read_marks.upto, excluded.upto)`);
    if (highest > 0) await client.query("SELECT setval('papo_seq', GREATEST($1::bigint, (SELECT last_value FROM papo_seq)))", [highest]);
    await copySessions(client, source);
    await copyBlocksAndPush(client, text, names);
    await settleChanges(client);
    // The copy is whole: the database may now be served (PostgresStore refuses it until then).
    await client.query("DELETE FROM papo_meta WHERE key = 'import_unfinished'");
    await client.query('COMMIT');
    // A freshly filled database has no statistics yet: without them the first queries (an export, the
    // first histories) plan as if the tables were empty.
    await client.query('ANALYZE');
    return { users: users.size, inserted, epoch };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
    await text.close();
  }
}

/** The database takes the folder's epoch, unless it already holds other data (no silent merge of two sets). */
async function claimEpoch(client: pg.Client, epoch: string): Promise<void> {
  const meta = new Map(
    (
      await client.query<{ key: string; value: string }>("SELECT key, value FROM papo_meta WHERE key IN ('epoch', 'imported_from')")
    ).rows.map((r) => [r.key, r.value]),
  );
  if (meta.get('imported_from') !== epoch) {
    // Accounts alone are a data set too: merging two would mix their people, blocks and files.
    const used = (await client.query('SELECT 1 FROM events UNION ALL SELECT 1 FROM users LIMIT 1')).rows.length > 0;
    if (used) {
      throw new Error(
        `the database already holds messages or accounts (data set ${meta.get('epoch')}); import into an empty database or schema`,
      );
    }
  }
  // Until the last step commits, the database is marked unfinished: PostgresStore refuses to serve half a
  // copy, and a run started again finishes it. Set only once the database is known to be this data set's.
  await client.query(
    `INSERT INTO papo_meta (key, value) VALUES ('epoch', $1), ('imported_from', $1), ('import_unfinished', $1)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [epoch],
  );
}

/** The folder's key, so the ids and cursors it handed out stay valid (claimEpoch made sure the database is this data set's). */
async function copyTokenKey(client: pg.Client, k: TokenKey): Promise<void> {
  await client.query(
    "INSERT INTO papo_meta (key, value) VALUES ('token_key', $1), ('legacy_ids_up_to', $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [k.key.toString('hex'), String(k.legacyIdsUpTo)],
  );
}

/** sessions.txt already holds SHA-256 session ids, the form the PostgreSQL store keeps too. */
async function copySessions(client: pg.Client, source: TextCopySource): Promise<void> {
  const secret = (await fsp.readFile(source.sessionSecretFile, 'utf8').catch(() => '')).trim();
  if (secret.length >= 32)
    await client.query("INSERT INTO papo_meta (key, value) VALUES ('session_secret', $1) ON CONFLICT (key) DO NOTHING", [secret]);
  const loaded = await loadRecordFile(source.sessionsFile, decodeSession).catch(() => undefined);
  const live = new Map<string, { expires: number; json: string }>();
  for (const { value: r } of loaded?.records ?? []) {
    if (r.kind === 'd') live.delete(r.key);
    else live.set(r.key, r);
  }
  const now = Date.now();
  const rows = [...live].filter(([, s]) => s.expires > now);
  await client.query(
    `INSERT INTO session (sid, sess, expire) SELECT sid, sess::json, to_timestamp(ms / 1000.0) FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(sid, sess, ms)
     ON CONFLICT (sid) DO NOTHING`,
    [rows.map(([k]) => k), rows.map(([, s]) => s.json), rows.map(([, s]) => s.expires)],
  );
}
