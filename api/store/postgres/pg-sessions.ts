import { randomBytes } from 'node:crypto';
import connectPgSimple from 'connect-pg-simple';
import session, { type SessionData } from 'express-session';
import type { Logger } from '../../logger.js';
import { sessionKey } from '../session-key.js';
import type { SessionEndWatcher, SessionRepository } from '../store.js';
import type { Db } from './db.js';

const PGStore = connectPgSimple(session);

/** A touch that moves the expiry by less than this is not written (as the text store's sessions.txt does). */
const TOUCH_PERSIST_MS = 60 * 60 * 1000;
/** Sessions whose written expiry is remembered; past this the memory is cleared (costing only extra writes). */
const MAX_REMEMBERED = 100_000;

/** What a NOTIFY that ends sessions says: `end <key>` (the stream's own say `<seq>@<origin> <user>...`, see 016_wake_in_domain.sql). */
export const SESSION_END_PAYLOAD = 'end';

/**
 * express-session's store in PostgreSQL (connect-pg-simple), so a login through one process is a login at
 * every process. Like the text store's sessions.txt it keeps a SHA-256 of each session id, never the id:
 * a database dump does not log anyone in. Outages reach express-session as StoreUnavailableError (503).
 * A destroyed session is announced on the store's NOTIFY channel in the same statement (issue #15, item 5),
 * so every process ends the polls it holds for it; the key is announced, never the id.
 */
export class HashedSidStore extends session.Store {
  private readonly inner: InstanceType<typeof PGStore>;
  /** Expiry last written per hashed id: rolling sessions touch on every request, a write we mostly skip. */
  private readonly written = new Map<string, number>();
  private readonly watchers = new Set<SessionEndWatcher>();

  constructor(
    private readonly db: Db,
    ttlMs: number,
    log: Logger,
    /** The NOTIFY channel every process of this data set listens on (stream-notifications.ts). */
    readonly channel: string,
  ) {
    super();
    this.inner = new PGStore({
      pool: db.pool,
      tableName: 'session',
      createTableIfMissing: false,
      ttl: Math.round(ttlMs / 1000),
      // Expired rows are deleted every 15 minutes (at a random point, so processes do not all prune together).
      pruneSessionInterval: 15 * 60,
      errorLog: (...args: unknown[]) => log.warn({ detail: args.map(String).join(' ') }, 'session store'),
    });
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const key = sessionKey(sid);
    this.inner.get(key, (err, data) => {
      if (data) this.remember(key, data);
      callback(err ? this.db.translate(err) : null, data);
    });
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    const key = sessionKey(sid);
    this.inner.set(key, data, (err) => {
      if (!err) this.remember(key, data);
      callback?.(err ? this.db.translate(err) : undefined);
    });
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    const key = sessionKey(sid);
    this.written.delete(key);
    // One statement, so one transaction: the NOTIFY goes out exactly when the deletion commits.
    this.db
      .query('WITH gone AS (DELETE FROM session WHERE sid = $1) SELECT pg_notify($2, $3)', [
        key,
        this.channel,
        `${SESSION_END_PAYLOAD} ${key}`,
      ])
      .then(
        () => {
          // This process ends its own polls at once, without waiting for its own NOTIFY to come back.
          this.ended([key]);
          callback?.();
        },
        (err: unknown) => callback?.(err),
      );
  }

  /** Sessions ended here or on another process (heard on the NOTIFY channel). */
  ended(keys: readonly string[]): void {
    for (const watcher of this.watchers) watcher.ended(keys);
  }

  onEnded(watcher: SessionEndWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /**
   * After NOTIFYs may have been lost (the LISTEN connection dropped), the sessions the watchers care about
   * that are no longer in the table are announced as ended.
   */
  async recheck(): Promise<void> {
    for (const watcher of this.watchers) {
      const keys = [...watcher.held()];
      if (keys.length === 0) continue;
      const live = new Set(
        (await this.db.query<{ sid: string }>('SELECT sid FROM session WHERE sid = ANY($1::text[])', [keys])).map((r) => r.sid),
      );
      const gone = keys.filter((key) => !live.has(key));
      if (gone.length > 0) watcher.ended(gone);
    }
  }

  override touch(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    const key = sessionKey(sid);
    const previous = this.written.get(key);
    const next = expiryOf(data);
    if (previous !== undefined && next !== undefined && next - previous < TOUCH_PERSIST_MS) return callback?.();
    this.inner.touch(key, data, () => {
      this.remember(key, data);
      callback?.();
    });
  }

  private remember(key: string, data: SessionData): void {
    const expires = expiryOf(data);
    if (expires === undefined) return;
    if (this.written.size >= MAX_REMEMBERED) this.written.clear();
    this.written.set(key, expires);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

function expiryOf(data: SessionData): number | undefined {
  const expires = data.cookie?.expires;
  return expires ? new Date(expires).getTime() : undefined;
}

/** Sessions plus the generated secret, kept in papo_meta so every process signs cookies with the same one. */
export function pgSessions(db: Db, store: HashedSidStore): SessionRepository {
  return {
    expressStore: store,
    onSessionsEnded: (watcher) => store.onEnded(watcher),
    async ofUser(username) {
      const rows = await db.query<{ sid: string; sess: SessionData }>(
        "SELECT sid, sess FROM session WHERE sess->>'username' = $1 AND expire > now()",
        [username],
      );
      return rows.map((r) => ({ key: r.sid, data: r.sess }));
    },
    async end(username, keys) {
      // One statement: the rows go and every process hears of it at the commit, as for a logout.
      const rows = await db.query<{ sid: string }>(
        `WITH ended AS (DELETE FROM session WHERE sid = ANY($1::text[]) AND sess->>'username' = $2 RETURNING sid)
         SELECT sid, pg_notify($3, $4 || ' ' || sid) FROM ended`,
        [keys, username, store.channel, SESSION_END_PAYLOAD],
      );
      // This process ends its own polls at once, as destroy() does.
      store.ended(rows.map((r) => r.sid));
      return rows.length;
    },
    async generatedSecret() {
      const secret = randomBytes(32).toString('base64url');
      const inserted = await db.query(
        "INSERT INTO papo_meta (key, value) VALUES ('session_secret', $1) ON CONFLICT (key) DO NOTHING RETURNING value",
        [secret],
      );
      if (inserted.length > 0) return { secret, created: true };
      const [row] = await db.query<{ value: string }>("SELECT value FROM papo_meta WHERE key = 'session_secret'");
      if (!row) throw new Error('session secret vanished from papo_meta');
      return { secret: row.value, created: false };
    },
  };
}
