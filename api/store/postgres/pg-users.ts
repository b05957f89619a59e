import type { AccountDeletion, StoredUser, UserRepository } from '../store.js';
import type { Db } from './db.js';
import { SESSION_END_PAYLOAD } from './pg-sessions.js';

/**
 * Accounts in the `users` table. A deleted account keeps its row as a tombstone (`deleted_at`, issue #17), so
 * names are never freed: names found once are remembered, and so are names found deleted.
 */
export class PgUsers implements UserRepository {
  private readonly known = new Set<string>();
  private readonly deleted = new Set<string>();

  constructor(
    private readonly db: Db,
    /** Where ended sessions are announced, so every process ends their held polls (pg-sessions.ts). */
    private readonly channel: string,
    /** Told here, at once, when all of a user's sessions ended (other processes hear the announcement). */
    private readonly sessionsEndedOf: (username: string) => void,
  ) {}

  async find(username: string): Promise<StoredUser | undefined> {
    const [row] = await this.db.query<{ password_hash: string; deleted: boolean }>(
      'SELECT password_hash, deleted_at IS NOT NULL AS deleted FROM users WHERE username = $1',
      [username],
    );
    if (!row) return undefined;
    this.known.add(username);
    if (row.deleted) {
      this.deleted.add(username);
      return undefined;
    }
    return { username, passwordHash: row.password_hash };
  }

  async createdAt(username: string): Promise<string | null> {
    const [row] = await this.db.query<{ created_at: Date }>('SELECT created_at FROM users WHERE username = $1', [username]);
    return row ? row.created_at.toISOString() : null;
  }

  async isDeleted(username: string): Promise<boolean> {
    if (this.deleted.has(username)) return true;
    const [row] = await this.db.query<{ deleted: boolean }>('SELECT deleted_at IS NOT NULL AS deleted FROM users WHERE username = $1', [
      username,
    ]);
    if (row?.deleted) this.deleted.add(username);
    return row?.deleted ?? false;
  }

  /** A deletion is for ever: a name once seen deleted stays so (a deletion here, a login or a check). */
  knownDeleted(username: string): boolean {
    return this.deleted.has(username);
  }

  /**
   * The whole deletion in one transaction (migrations/018_delete_account.sql): the tombstone, the sessions
   * (each end announced as a logout is, on every process), and everything else of the account.
   */
  async deleteAccount(username: string, at: Date): Promise<AccountDeletion> {
    const [row] = await this.db.query<{ grew: string[] | null }>('SELECT papo_delete_account($1, $2, $3, $4) AS grew', [
      username,
      at,
      this.channel,
      SESSION_END_PAYLOAD,
    ]);
    if (!row?.grew) return { kind: 'not_found' };
    this.deleted.add(username);
    this.sessionsEndedOf(username);
    return { kind: 'deleted', grew: row.grew };
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
      `WITH updated AS (UPDATE users SET password_hash = $2 WHERE username = $1 AND deleted_at IS NULL RETURNING username),
            ended AS (DELETE FROM session WHERE sess->>'username' = $1 AND EXISTS (SELECT 1 FROM updated) RETURNING sid)
       SELECT (SELECT count(*) FROM updated) AS updated,
              (SELECT count(pg_notify($3, $4 || ' ' || sid)) FROM ended) AS ended`,
      [username, passwordHash, this.channel, SESSION_END_PAYLOAD],
    );
    const updated = Number(row?.updated ?? 0) > 0;
    if (updated) this.sessionsEndedOf(username);
    return updated;
  }

  /** True for deleted accounts too: their names stay taken. */
  async exists(username: string): Promise<boolean> {
    if (this.known.has(username)) return true;
    const rows = await this.db.query('SELECT 1 FROM users WHERE username = $1', [username]);
    if (rows.length > 0) this.known.add(username);
    return rows.length > 0;
  }
}
