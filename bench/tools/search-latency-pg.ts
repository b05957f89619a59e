/**
 * `DATABASE_URL=... npm run bench:search-latency-pg -- [lines] [runs]`: PostgreSQL's search (issue #18) on one
 * user's `lines` messages (default 1,000,000, the text store's seeded history as rows: the same text, peers
 * and times), through PostgresStore: the GIN index's build time and size (dropped and made again on the full
 * table), then the queries of `npm run bench:search-latency`, cold (first on a new pool) and `runs` times each,
 * with p50/p99. The rows stay in schema papo_search_<lines> for later runs.
 */
import pg from 'pg';
import { createLogger } from '../../api/logger.js';
import { searchText } from '../../api/store/postgres/pg-message-rows.js';
import { PostgresStore } from '../../api/store/postgres/postgres-store.js';
import { commandLine, wholeNumber } from '../lib/cli.js';
import { names } from '../lib/seed.js';
import { searchTimer, timeQueries } from '../lib/search-queries.js';
import { TOOLS } from './catalog.js';

const { positionals } = commandLine(TOOLS['search-latency-pg'], {}, 2);
const lines = wholeNumber(positionals[0], 'lines', 1_000_000);
const runs = wholeNumber(positionals[1], 'runs', 20);
const base = process.env.DATABASE_URL;
if (!base) throw new Error('DATABASE_URL is not set');
const schema = `papo_search_${lines}`;
const url = new URL(base);
url.searchParams.set('options', `-c search_path=${schema}`);

// The bench seed's text (bench/lib/seed.ts), folded as the application folds it.
const CONTENT = 'a history line of ordinary length, as people write them; with a semicolon';
const sql = new pg.Client({ connectionString: url.toString() });
await sql.connect();
await sql.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
const log = createLogger({ level: 'warn' });
const open = () => PostgresStore.open({ url: url.toString(), poolSize: 4, log, sessionTtlMs: 86_400_000 });
let store = await open();
// The index as the migration made it (a run stopped while seeding left it dropped: made from this then).
const indexDef =
  (
    await sql.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND indexname = 'messages_search'`, [
      schema,
    ])
  ).rows[0]?.def ?? 'CREATE INDEX messages_search ON messages USING gin (search_words) WHERE deleted_at IS NULL';
const seeded = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]?.n ?? 0);
if (seeded !== lines) {
  const t = performance.now();
  const peers = names('p', 10);
  await sql.query('TRUNCATE events, messages, users CASCADE');
  // Rows go in faster without the index; it is made again below in any case.
  await sql.query('DROP INDEX IF EXISTS messages_search');
  await sql.query(`INSERT INTO users (username, password_hash) SELECT unnest($1::text[]), 'x'`, [['reader', ...peers]]);
  // As seedHistory: message seq with peer seq % 10, sent by the reader when seq is even, a second apart.
  await sql.query(
    `INSERT INTO messages (seq, sender, recipient, content, sent_at, search_text)
     SELECT g, CASE WHEN g % 2 = 0 THEN 'reader' ELSE ($1::text[])[g % 10 + 1] END,
            CASE WHEN g % 2 = 0 THEN ($1::text[])[g % 10 + 1] ELSE 'reader' END,
            $2 || ' #' || g, '2026-01-01T00:00:00Z'::timestamptz + g * interval '1 second', $3 || ' ' || g
     FROM generate_series(1, $4::int) g`,
    [peers, CONTENT, searchText(CONTENT), lines],
  );
  await sql.query(
    `INSERT INTO events (username, seq, kind, peer, message_seq, at)
     SELECT 'reader', seq, 'msg', CASE WHEN sender = 'reader' THEN recipient ELSE sender END, seq, sent_at FROM messages`,
  );
  await sql.query('VACUUM ANALYZE messages');
  await sql.query('VACUUM ANALYZE events');
  console.log(`seeded ${lines} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

await sql.query('DROP INDEX IF EXISTS messages_search');
const t0 = performance.now();
await sql.query(indexDef);
const buildMs = performance.now() - t0;
// The planner's statistics for an expression index come from ANALYZE (autovacuum's, on a live database).
await sql.query('ANALYZE messages');
const size = (await sql.query<{ b: string }>(`SELECT pg_relation_size('messages_search') AS b`)).rows[0]?.b ?? '0';
console.log(`${indexDef}\n  built on ${lines} rows in ${(buildMs / 1000).toFixed(1)} s, ${(Number(size) / 2 ** 20).toFixed(0)} MiB`);

await store.close();
store = await open();
const timed = searchTimer(store.messages);
console.log(`first search on a new pool (cold), common prefix "ordin": ${(await timed(['ordin'])).toFixed(2)} ms`);
console.log(`the same again (warm): ${(await timed(['ordin'])).toFixed(2)} ms`);
console.log(await timeQueries(timed, lines, runs));
await store.close();
await sql.end();
