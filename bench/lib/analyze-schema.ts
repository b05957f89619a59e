/**
 * ANALYZE of the benchmark's schema (issue #20). The scenario starts Papo on empty tables and loads them within
 * seconds, and each connection keeps the plan it made for a prepared statement (or a PL/pgSQL function's
 * statement) after its first few runs, while every table was still empty: sequential scans, which then read
 * the whole table at every poll and acknowledgement. On a server that runs, autovacuum's ANALYZE replaces them
 * within a minute or so (its statistics change, and PostgreSQL drops the plans that used them); the
 * benchmark's windows are shorter than that, so it does what autovacuum would, after the warm-up.
 */
import pg from 'pg';
import { quoteIdent } from '../../api/store/postgres/db.js';

/** ANALYZE of every table in the schema `url`'s search_path names. */
export async function analyzeSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema]);
    if (rows.length > 0) await client.query(`ANALYZE ${rows.map((r) => `${quoteIdent(schema)}.${quoteIdent(r.tablename)}`).join(', ')}`);
  } finally {
    await client.end();
  }
}
