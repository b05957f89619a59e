import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests (issue #5): the cluster named by DATABASE_URL (`.ci/run` sets it; locally
 * postgres://postgres@127.0.0.1:5432/test). Every test server gets its own schema, dropped afterwards, so
 * parallel test files never see each other's data.
 */
export const BASE_DATABASE_URL = process.env.DATABASE_URL;
// Taken out of the environment: it names the cluster tests may create schemas in, not a store for every
// server. A test that spawns `api/main.ts` with `...process.env` expects the text store on its data folder
// (and would otherwise write Papo's tables into the database's public schema); servers meant for PostgreSQL
// get a DATABASE_URL of their own schema explicitly.
delete process.env.DATABASE_URL;

/** `url` with its connections placed in `schema` (search_path in the startup options). */
export function urlForSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export function requireDatabaseUrl(): string {
  if (!BASE_DATABASE_URL) throw new Error('DATABASE_URL is not set: PostgreSQL tests cannot run');
  return BASE_DATABASE_URL;
}

/** Runs `sql` on the base database (not inside a test schema). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: requireDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Creates a fresh schema; returns its name and a DATABASE_URL that uses it. */
export async function createTestSchema(): Promise<{ schema: string; url: string }> {
  const schema = `papo_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  return { schema, url: urlForSchema(requireDatabaseUrl(), schema) };
}

export async function dropTestSchema(schema: string): Promise<void> {
  if (!/^papo_test_[0-9a-f]{12}$/.test(schema)) throw new Error(`refusing to drop ${schema}`);
  await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** The schema a DATABASE_URL made by urlForSchema points at. */
export function schemaOf(url: string): string | undefined {
  return /search_path=([a-z0-9_]+)/.exec(new URL(url).searchParams.get('options') ?? '')?.[1];
}
