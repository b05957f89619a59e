import type { BlockRepository } from '../store.js';
import type { Db } from './db.js';

/**
 * Blocks in the `blocks` table (migrations/008_blocks.sql). The send function reads it in the send's own
 * transaction, so every process withholds the same messages (issue #17).
 */
export class PgBlocks implements BlockRepository {
  constructor(private readonly db: Db) {}

  async list(blocker: string): Promise<{ username: string; at: string }[]> {
    const rows = await this.db.query<{ blocked: string; at: Date }>('SELECT blocked, at FROM blocks WHERE blocker = $1 ORDER BY at', [
      blocker,
    ]);
    return rows.map((r) => ({ username: r.blocked, at: r.at.toISOString() }));
  }

  async isBlocked(blocker: string, blocked: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM blocks WHERE blocker = $1 AND blocked = $2', [blocker, blocked])).length > 0;
  }

  async block(blocker: string, blocked: string): Promise<boolean> {
    const rows = await this.db.query('INSERT INTO blocks (blocker, blocked) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING blocker', [
      blocker,
      blocked,
    ]);
    return rows.length > 0;
  }

  async unblock(blocker: string, blocked: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM blocks WHERE blocker = $1 AND blocked = $2 RETURNING blocker', [blocker, blocked])).length > 0;
  }
}
