/**
 * `npm run bench:migrate-memory -- [lines=1000000]`: the peak memory of `npm run migrate-data` (issue #18:
 * histories are streamed) on a folder with one history of `lines` messages, there and back: the import into
 * a fresh PostgreSQL schema, then the export to a new folder, each in its own process (`npm run migrate-data`
 * itself), timed, with its peak RSS as the kernel counts it (getrusage, RUSAGE_CHILDREN). Needs DATABASE_URL.
 * The seeded folder is kept in BENCH_TMP (default /tmp) under a name that says its size; each run imports a
 * copy of it, since opening a folder converts it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { commandLine, fail, wholeNumber } from '../lib/cli.js';
import { emptyDataDir, names, seedHistory, seedUsers } from '../lib/seed.js';
import { TOOLS } from './catalog.js';

const { positionals } = commandLine(TOOLS['migrate-memory'], {}, 1);
const lines = wholeNumber(positionals[0], 'lines', 1_000_000);
const base = process.env.DATABASE_URL;
if (!base) fail('DATABASE_URL must name a PostgreSQL database this tool may create a schema in');
const tmp = process.env.BENCH_TMP ?? '/tmp';
const seeded = path.join(tmp, `papo-migrate-${lines}`);

if (!existsSync(seeded)) {
  const fresh = await emptyDataDir(`migrate-${lines}`);
  await seedUsers(fresh, ['reader', ...names('p', 10)]);
  await seedHistory(fresh, 'reader', names('p', 10), lines);
  await rename(fresh, seeded);
}
const source = `${seeded}-copy-${process.pid}`;
const back = `${seeded}-back-${process.pid}`;
await cp(seeded, source, { recursive: true });
const schema = `bench_migrate_${process.pid}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const url = new URL(base);
url.searchParams.set('options', `-c search_path=${schema}`);

/** Runs migrate-data in a child process; its wall time and the peak RSS of the children so far. */
function migrate(from: string, to: string): { seconds: number; peakMiB: number } {
  const t0 = performance.now();
  execFileSync('npx', ['tsx', 'scripts/migrate-data.ts', '--no-progress', '--from', from, '--to', to], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { seconds: (performance.now() - t0) / 1000, peakMiB: process.resourceUsage().maxRSS / 1024 };
}

try {
  const there = migrate(source, url.toString());
  console.log(`import of ${lines} history lines: ${there.seconds.toFixed(1)} s, peak RSS ${there.peakMiB.toFixed(0)} MiB`);
  const again = migrate(url.toString(), back);
  // RUSAGE_CHILDREN keeps the largest child: a figure above the import's is the export's own.
  console.log(`export back to a folder: ${again.seconds.toFixed(1)} s, peak RSS of either ${again.peakMiB.toFixed(0)} MiB`);
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
  await rm(source, { recursive: true, force: true });
  await rm(back, { recursive: true, force: true });
}
