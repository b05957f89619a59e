import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from '../../logger.js';

const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/**
 * Applies the numbered SQL files in `migrations/` that this database has not seen, each in its own
 * transaction with its row in `schema_migrations`. A session advisory lock (per schema) makes it safe for
 * several processes to start at once: the others wait, then find nothing left to do.
 */
export async function migrate(client: pg.ClientBase, dir: string, log: Logger): Promise<number> {
  const files = (await fsp.readdir(dir)).filter((f) => MIGRATION_FILE.test(f)).sort();
  const [{ schema } = { schema: null }] = (await client.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows;
  if (schema === null)
    throw new Error('PostgreSQL has no schema to create tables in: check search_path in DATABASE_URL (the schema must exist)');
  await client.query("SELECT pg_advisory_lock(hashtextextended('papo.migrate.' || current_schema(), 0))");
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    let count = 0;
    for (const file of files) {
      const [, number, name] = MIGRATION_FILE.exec(file) ?? [];
      const version = Number(number);
      if (applied.has(version)) continue;
      const sql = await fsp.readFile(path.join(dir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      log.info({ migration: file, schema }, 'applied a database migration');
      count++;
    }
    return count;
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtextextended('papo.migrate.' || current_schema(), 0))").catch(() => undefined);
  }
}
