import { randomBytes } from 'node:crypto';
import type { Logger } from '../../logger.js';
import { sessionKey } from '../session-key.js';
import type { SessionEndWatcher, SessionContent, SessionRepository } from '../store.js';
import type { Db } from './db.js';
import { NotifiedCache } from './notified-cache.js';

/** A touch that moves the expiry by less than this is not written (as the text store's sessions.txt does). */
const TOUCH_PERSIST_MS = 60 * 60 * 1000;
/** Sessions whose written expiry is remembered; past this the memory is cleared (costing only extra writes). */
const MAX_REMEMBERED = 100_000;
/** Sessions answered from memory (notified-cache.ts); past this the memory starts over (costing only reads). */
const MAX_KEPT = 100_000;
/** Expired rows are deleted about this often, at a random point between half and one and a half of it. */
const PRUNE_INTERVAL_MS = 15 * 60 * 1000;

/** What a NOTIFY that ends sessions says: `end <key>` (the stream's own say `<seq>@<origin> <user>...`, see 016_wake_in_domain.sql). */
export const SESSION_END_PAYLOAD = 'end';

/**
 * The sessions in PostgreSQL (the `session` table of 001_init.sql, laid out as connect-pg-simple's, which
 * kept them before issue #16), so a login through one process is a login at every process. Like the text
 * store's sessions.txt it keeps a SHA-256 of each session id, never the id: a database dump does not log
 * anyone in. Outages reach the caller as StoreUnavailableError (503, through Db.query).
 * A destroyed session is announced on the store's NOTIFY channel in the same statement (issue #15, item 5),
 * so every process ends the polls it holds for it; the key is announced, never the id.
 *
 * The same announcements let each process keep the sessions it has read (issue #20): every request reads its
 * session, and a round trip for it was two of the eight a message cost. A session's row changes only by being
 * ended (its fields are set once, at login; its expiry only moves on), and every way of ending one announces it,
 * so a kept session is answered until its expiry or its end is heard (NotifiedCache says for how long that is
 * sound). Rows pruned at their expiry need no announcement: a kept session is not answered past its own.
 */
export class HashedSidStore {
  /** Expiry last written per hashed id: rolling sessions touch on every request, a write we mostly skip. */
  private readonly written = new Map<string, number>();
  private readonly watchers = new Set<SessionEndWatcher>();
  /** Sessions read here, with when their row expires (ms). */
  private readonly kept = new NotifiedCache<{ sess: SessionContent; expiresAt: number }>(MAX_KEPT);
  private readonly ttlSeconds: number;
  private pruneTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    ttlMs: number,
    private readonly log: Logger,
    /** The NOTIFY channel every process of this data set listens on (stream-notifications.ts). */
    readonly channel: string,
  ) {
    this.ttlSeconds = Math.round(ttlMs / 1000);
  }

  async get(sid: string): Promise<SessionContent | undefined> {
    this.schedulePrune();
    const key = sessionKey(sid);
    const known = this.kept.get(key);
    if (known !== undefined && known.expiresAt >= Date.now()) return copyOf(known.sess);
    const startedAt = this.kept.readStarted();
    const [row] = await this.db.query<{ sess: SessionContent; expire: Date }>(
      'SELECT sess, expire FROM session WHERE sid = $1 AND expire >= to_timestamp($2)',
      [key, nowSeconds()],
    );
    if (!row) return undefined;
    this.remember(key, row.sess);
    this.kept.keep(key, { sess: copyOf(row.sess), expiresAt: row.expire.getTime() }, startedAt);
    return row.sess;
  }

  /**
   * The LISTEN connection is up and caught up (true), or lost (false): kept sessions are answered only while
   * every end is heard.
   */
  listening(on: boolean): void {
    this.kept.listening(on);
  }

  /** The sessions of `username` ended here in some other way (a password change, a deleted account). */
  endedAllOf(username: string): void {
    this.kept.forget(this.kept.keysWhere((known) => known.sess.username === username));
  }

  async set(sid: string, data: SessionContent): Promise<void> {
    this.schedulePrune();
    const key = sessionKey(sid);
    // Read again when next asked for: other processes forget it only by its end, and it did not end.
    this.kept.forget([key]);
    await this.db.query(
      'INSERT INTO session (sess, expire, sid) SELECT $1, to_timestamp($2), $3 ON CONFLICT (sid) DO UPDATE SET sess = $1, expire = to_timestamp($2)',
      [data, this.expireSeconds(data), key],
    );
    this.remember(key, data);
  }

  async destroy(sid: string): Promise<void> {
    const key = sessionKey(sid);
    this.written.delete(key);
    // One statement, so one transaction: the NOTIFY goes out exactly when the deletion commits.
    await this.db.query('WITH gone AS (DELETE FROM session WHERE sid = $1) SELECT pg_notify($2, $3)', [
      key,
      this.channel,
      `${SESSION_END_PAYLOAD} ${key}`,
    ]);
    // This process ends its own polls at once, without waiting for its own NOTIFY to come back.
    this.ended([key]);
  }

  /** Sessions ended here or on another process (heard on the NOTIFY channel). */
  ended(keys: readonly string[]): void {
    this.kept.forget(keys);
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

  /** Moves the expiry on; a failed touch is not the request's failure (the session is still there). */
  async touch(sid: string, data: SessionContent): Promise<void> {
    this.schedulePrune();
    const key = sessionKey(sid);
    const previous = this.written.get(key);
    const next = expiryOf(data);
    if (previous !== undefined && next !== undefined && next - previous < TOUCH_PERSIST_MS) return;
    const expire = this.expireSeconds(data);
    const moved = await this.db
      .query('UPDATE session SET expire = to_timestamp($1) WHERE sid = $2 RETURNING sid', [expire, key])
      .then((rows) => rows.length > 0)
      .catch(() => false);
    this.remember(key, data);
    // Kept with its new expiry (other processes keep the older one, and read the row again once it passes).
    const known = moved ? this.kept.get(key) : undefined;
    if (known !== undefined) known.expiresAt = expire * 1000;
  }

  private remember(key: string, data: SessionContent): void {
    const expires = expiryOf(data);
    if (expires === undefined) return;
    if (this.written.size >= MAX_REMEMBERED) this.written.clear();
    this.written.set(key, expires);
  }

  /** The row's expiry (s): the cookie's, or the session lifetime from now for a session without one. */
  private expireSeconds(data: SessionContent): number {
    const expires = expiryOf(data);
    return expires !== undefined ? Math.ceil(expires / 1000) : Math.ceil(Date.now() / 1000 + this.ttlSeconds);
  }

  /** Expired rows go at a random point, so the processes of one database do not all prune together. */
  private schedulePrune(): void {
    if (this.closed || this.pruneTimer !== undefined) return;
    const delay = Math.ceil(PRUNE_INTERVAL_MS / 2 + PRUNE_INTERVAL_MS * Math.random());
    this.pruneTimer = setTimeout(() => {
      this.db
        .query('DELETE FROM session WHERE expire < to_timestamp($1)', [nowSeconds()])
        .catch((err: unknown) => this.log.warn({ detail: `Failed to prune sessions: ${String(err)}` }, 'session store'))
        .finally(() => {
          this.pruneTimer = undefined;
          this.schedulePrune();
        });
    }, delay);
    this.pruneTimer.unref();
  }

  close(): Promise<void> {
    this.closed = true;
    this.kept.listening(false);
    clearTimeout(this.pruneTimer);
    this.pruneTimer = undefined;
    return Promise.resolve();
  }
}

const nowSeconds = (): number => Math.ceil(Date.now() / 1000);

/** A kept session is handed out as a copy: its readers set fields on it (the cookie's expiry, express-session's Cookie). */
function copyOf(sess: SessionContent): SessionContent {
  return { ...sess, cookie: { ...sess.cookie } };
}

function expiryOf(data: SessionContent): number | undefined {
  const expires = data.cookie?.expires;
  return expires ? new Date(expires).getTime() : undefined;
}

/** Sessions plus the generated secret, kept in papo_meta so every process signs cookies with the same one. */
export function pgSessions(db: Db, store: HashedSidStore): SessionRepository {
  return {
    get: (sid) => store.get(sid),
    set: (sid, record) => store.set(sid, record),
    touch: (sid, record) => store.touch(sid, record),
    destroy: (sid) => store.destroy(sid),
    onSessionsEnded: (watcher) => store.onEnded(watcher),
    async ofUser(username) {
      const rows = await db.query<{ sid: string; sess: SessionContent }>(
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
