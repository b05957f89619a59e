import type { StoredUser, UserRepository } from '../store.js';
import type { Db } from './db.js';
import { SESSION_END_PAYLOAD } from './pg-sessions.js';

/** Accounts in the `users` table. Accounts are never deleted, so names found once are remembered. */
export class PgUsers implements UserRepository {
  private readonly known = new Set<string>();

  constructor(
    private readonly db: Db,
    /** Where ended sessions are announced, so every process ends their held polls (pg-sessions.ts). */
    private readonly channel: string,
  ) {}

  async find(username: string): Promise<StoredUser | undefined> {
    const [row] = await this.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = $1', [username]);
    if (!row) return undefined;
    this.known.add(username);
    return { username, passwordHash: row.password_hash };
  }

  async createdAt(username: string): Promise<string | null> {
    const [row] = await this.db.query<{ created_at: Date }>('SELECT created_at FROM users WHERE username = $1', [username]);
    return row ? row.created_at.toISOString() : null;
  }

  async create(user: StoredUser): Promise<boolean> {
    const rows = await this.db.query(
      'INSERT INTO users (username, password_hash) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING RETURNING username',
      [user.username, user.passwordHash],
    );
    this.known.add(user.username);
    return rows.length > 0;
  }

  /** PostgreSQL refuses damaged pages rather than skip a row: no account is ever locked here. */
  isLocked(): boolean {
    return false;
  }

  /**
   * One statement, so the new hash and the end of the user's sessions land together, and each ended session
   * is announced as a logout is (issue #15, item 5): every process answers the polls those sessions hold.
   */
  async resetPassword(username: string, passwordHash: string): Promise<boolean> {
    const [row] = await this.db.query<{ updated: string }>(
      `WITH updated AS (UPDATE users SET password_hash = $2 WHERE username = $1 RETURNING username),
            ended AS (DELETE FROM session WHERE sess->>'username' = $1 AND EXISTS (SELECT 1 FROM updated) RETURNING sid)
       SELECT (SELECT count(*) FROM updated) AS updated,
              (SELECT count(pg_notify($3, $4 || ' ' || sid)) FROM ended) AS ended`,
      [username, passwordHash, this.channel, SESSION_END_PAYLOAD],
    );
    return Number(row?.updated ?? 0) > 0;
  }

  async exists(username: string): Promise<boolean> {
    if (this.known.has(username)) return true;
    return (await this.find(username)) !== undefined;
  }
}
