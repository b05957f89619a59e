/**
 * `npm run bench:export-memory -- [lines] [--postgres]`: peak RSS while "Export my data" (issue #17) writes the
 * zip of one user's history of `lines` messages (default 200,000, seeded as bench/lib/seed.ts seeds the page
 * scenarios) on the text store, or with `--postgres` on PostgreSQL (DATABASE_URL; the folder is imported by
 * migrate-data into a schema of its own, dropped after), in-process, read by a sink that keeps nothing. RSS is sampled every 10 ms; the figure to
 * read is the peak over the baseline (the store open, the history indexed, then a full collection): what the
 * export itself costs. Without the collection before the baseline, RSS also grows by the garbage V8 lets pile
 * up before it collects, which says nothing about what the export holds; the heap kept after it, after a full
 * collection, says that. The folder is kept in BENCH_TMP (default /tmp) under a name that
 * says its size, so later runs reuse it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createAccountExport } from '../../api/accounts/export/account-export.js';
import { createDevices } from '../../api/accounts/devices.js';
import { createAttachments } from '../../api/attachments/attachments.js';
import { createLogger } from '../../api/logger.js';
import { dataLayout } from '../../api/store/text/data-layout.js';
import { PostgresStore } from '../../api/store/postgres/postgres-store.js';
import type { Store } from '../../api/store/store.js';
import { TextStore } from '../../api/store/text/text-store.js';
import pg from 'pg';
import { commandLine, fail, wholeNumber } from '../lib/cli.js';
import { emptyDataDir, names, seedHistory, seedUsers } from '../lib/seed.js';
import { TOOLS } from './catalog.js';

const { values, positionals } = commandLine(TOOLS['export-memory'], { postgres: { type: 'boolean' } }, 1);
const lines = wholeNumber(positionals[0], 'lines', 200_000);
const base = process.env.DATABASE_URL;
if (values.postgres === true && !base) fail('--postgres: DATABASE_URL must name a PostgreSQL database this tool may create a schema in');
const dir = path.join(process.env.BENCH_TMP ?? '/tmp', `papo-export-${lines}`);

if (!existsSync(dir)) {
  const fresh = await emptyDataDir(`export-${lines}`);
  await seedUsers(fresh, ['reader', ...names('p', 10)]);
  await seedHistory(fresh, 'reader', names('p', 10), lines);
  await rename(fresh, dir);
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
// A full collection on demand, without a node flag (the tools run under tsx): V8 hands `gc` to a new context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const log = createLogger({ level: 'warn' });
let dropSchema = async (): Promise<void> => undefined;
let store: Store;
if (values.postgres === true && base) {
  // The seeded folder, imported into a schema of its own by migrate-data (a child process, so its memory is
  // not this one's), then exported from PostgreSQL in this process.
  const schema = `bench_export_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  dropSchema = async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  };
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const copy = `${dir}-copy-${process.pid}`;
  await cp(dir, copy, { recursive: true });
  execFileSync('npx', ['tsx', 'scripts/migrate-data.ts', '--no-progress', '--from', copy, '--to', url.toString()], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await rm(copy, { recursive: true, force: true });
  store = await PostgresStore.open({ url: url.toString(), poolSize: 4, log, sessionTtlMs: 86_400_000 });
} else {
  store = await TextStore.open({ dataDir: dir, log, hashPassword: async (p) => p, sessionTtlMs: 86_400_000 });
}
// On the text store, the history's index is the store's, kept while the user is active whether they export
// or not: the baseline.
await store.messages.history('reader', { limit: 1 });
gc();
const baseline = process.memoryUsage().rss;
const baselineHeap = process.memoryUsage().heapUsed;
let peak = baseline;
let peakHeap = baselineHeap;
const sampler = setInterval(() => {
  const { rss, heapUsed } = process.memoryUsage();
  peak = Math.max(peak, rss);
  peakHeap = Math.max(peakHeap, heapUsed);
}, 10);

const exporter = createAccountExport({
  store,
  attachments: createAttachments(store.attachments, { maxBytes: 25 * 2 ** 20 }),
  devices: createDevices(store.sessions, 20),
});
const t0 = performance.now();
const { body } = await exporter.start('reader', 'no-session');
let zipBytes = 0;
await pipeline(
  body,
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      zipBytes += chunk.length;
      done();
    },
  }),
);
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
gc();
const retained = process.memoryUsage().heapUsed - baselineHeap;
await store.close();
await dropSchema();

const historyBytes = (await stat(dataLayout(dir).history('reader'))).size;
console.log(
  `${values.postgres === true ? 'PostgreSQL' : 'text store'}: history of ${lines.toLocaleString('en')} messages (${mib(historyBytes)} MiB as a history file); export took ${seconds.toFixed(1)} s, zip ${mib(zipBytes)} MiB`,
);
console.log(`RSS before the export (store open, history indexed): ${mib(baseline)} MiB`);
console.log(`peak RSS during the export: ${mib(peak)} MiB (+${mib(peak - baseline)} MiB over the baseline)`);
console.log(`peak JavaScript heap during the export, garbage included: +${mib(peakHeap - baselineHeap)} MiB over the baseline`);
console.log(`heap kept after the export, after a full collection: ${mib(retained)} MiB over the baseline`);
