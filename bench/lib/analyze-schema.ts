/**
 * Tables of some size, analyzed, before the postgres scenario measures (issue #20). The scenario starts Papo
 * (and the floor) on empty tables and loads them within seconds, and each connection keeps the plan it made
 * for a prepared statement (or a PL/pgSQL function's statement) after its first few runs. Made on empty or
 * tiny tables, those plans scan the table whole, and then did so at every poll and acknowledgement while the
 * tables grew to thousands of rows. On a server that runs, autovacuum's ANALYZE replaces them as the tables
 * grow (PostgreSQL drops the plans whose statistics changed), and the tables are not tiny; the benchmark's
 * windows are shorter than autovacuum's minute. So the scenario fills the tables with a closed loop, then does
 * what autovacuum would.
 */
import pg from 'pg';
import { quoteIdent } from '../../api/store/postgres/db.js';
import type { Traffic } from './traffic.js';

/** ANALYZE of every table in `schema`. */
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

/** A closed loop of `seconds` (not measured), then ANALYZE: the plans made after it are those of a server in use. */
export async function fillAndAnalyze(
  traffic: Traffic,
  target: { url: string; schema: string; concurrency: number },
  seconds: number,
): Promise<void> {
  await traffic.closedLoop(target.concurrency, seconds);
  await traffic.settle(5000);
  traffic.reset();
  await analyzeSchema(target.url, target.schema);
}
