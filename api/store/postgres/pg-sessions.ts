import { createHash, randomBytes } from 'node:crypto';
import connectPgSimple from 'connect-pg-simple';
import session, { type SessionData } from 'express-session';
import type { Logger } from '../../logger.js';
import type { SessionRepository } from '../store.js';
import type { Db } from './db.js';

const PGStore = connectPgSimple(session);

/**
 * express-session's store in PostgreSQL (connect-pg-simple), so a login through one process is a login at
 * every process. Like the text store's sessions.txt it keeps a SHA-256 of each session id, never the id:
 * a database dump does not log anyone in. Outages reach express-session as StoreUnavailableError (503).
 */
export class HashedSidStore extends session.Store {
  private readonly inner: InstanceType<typeof PGStore>;

  constructor(
    private readonly db: Db,
    ttlMs: number,
    log: Logger,
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
    this.inner.get(hashSid(sid), (err, data) => callback(err ? this.db.translate(err) : null, data));
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    this.inner.set(hashSid(sid), data, (err) => callback?.(err ? this.db.translate(err) : undefined));
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.inner.destroy(hashSid(sid), (err) => callback?.(err ? this.db.translate(err) : undefined));
  }

  override touch(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    this.inner.touch(hashSid(sid), data, () => callback?.());
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

function hashSid(sid: string): string {
  return createHash('sha256').update(sid).digest('hex');
}

/** Sessions plus the generated secret, kept in papo_meta so every process signs cookies with the same one. */
export function pgSessions(db: Db, store: HashedSidStore): SessionRepository {
  return {
    expressStore: store,
    async generatedSecret() {
      const secret = randomBytes(32).toString('base64url');
      const inserted = await db.query("INSERT INTO papo_meta (key, value) VALUES ('session_secret', $1) ON CONFLICT (key) DO NOTHING RETURNING value", [secret]);
      if (inserted.length > 0) return { secret, created: true };
      const [row] = await db.query<{ value: string }>("SELECT value FROM papo_meta WHERE key = 'session_secret'");
      if (!row) throw new Error('session secret vanished from papo_meta');
      return { secret: row.value, created: false };
    },
  };
}
