import type { StoredUser, UserRepository } from '../store.js';
import type { Db } from './db.js';

/** Accounts in the `users` table. Accounts are never deleted, so names found once are remembered. */
export class PgUsers implements UserRepository {
  private readonly known = new Set<string>();

  constructor(private readonly db: Db) {}

  async find(username: string): Promise<StoredUser | undefined> {
    const [row] = await this.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = $1', [username]);
    if (!row) return undefined;
    this.known.add(username);
    return { username, passwordHash: row.password_hash };
  }

  async create(user: StoredUser): Promise<boolean> {
    const rows = await this.db.query(
      'INSERT INTO users (username, password_hash) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING RETURNING username',
      [user.username, user.passwordHash],
    );
    this.known.add(user.username);
    return rows.length > 0;
  }

  async exists(username: string): Promise<boolean> {
    if (this.known.has(username)) return true;
    return (await this.find(username)) !== undefined;
  }
}
