/**
 * `npm run bench:search-latency -- [lines] [runs]`: the text store's search (issue #18) on one user's history
 * of `lines` messages (default 1,000,000, seeded as bench/lib/seed.ts seeds the page scenarios), in-process:
 * the history load, the build of the user's search index (which their first search makes), what it holds,
 * the first search after the build (cold) and the same again (warm), then a set of queries `runs` times
 * each, with p50/p99 over all of them, and RSS. The folder is kept in BENCH_TMP (default /tmp) under a name that says
 * its size, so later runs reuse it.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '../../api/logger.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { commandLine, wholeNumber } from '../lib/cli.js';
import { emptyDataDir, names, seedHistory, seedUsers } from '../lib/seed.js';
import { searchTimer, timeQueries } from '../lib/search-queries.js';
import { TOOLS } from './catalog.js';

const { positionals } = commandLine(TOOLS['search-latency'], {}, 2);
const lines = wholeNumber(positionals[0], 'lines', 1_000_000);
const runs = wholeNumber(positionals[1], 'runs', 20);
const dir = path.join(process.env.BENCH_TMP ?? '/tmp', `papo-search-${lines}`);

if (!existsSync(dir)) {
  const fresh = await emptyDataDir(`search-${lines}`);
  await seedUsers(fresh, ['reader', ...names('p', 10)]);
  await seedHistory(fresh, 'reader', names('p', 10), lines);
  await rename(fresh, dir);
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
/** RSS after a full collection when run with --expose-gc (as `npm run bench:search-latency` does): what stays. */
const rss = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};
const store = await TextStore.open({
  dataDir: dir,
  log: createLogger({ level: 'warn' }),
  hashPassword: async (p) => p,
  sessionTtlMs: 86_400_000,
});
const timed = searchTimer(store.messages);

/** What `work` gives, and its wall-clock and CPU time. */
async function measure<T>(work: () => Promise<T>): Promise<{ value: T; took: string }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const value = await work();
  const cpu = process.cpuUsage(cpu0);
  return { value, took: `${(performance.now() - t0).toFixed(0)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)` };
}

const rssBefore = rss();
const load = await measure(() => store.history('reader'));
const loaded = rss();
const build = await measure(() => load.value.searchIndex());
const index = build.value.size;
const rssAfter = rss();
console.log(`history of ${lines} lines loaded: ${load.took}; its search index built: ${build.took}`);
console.log(
  `index: ${index.pairs} (word, message) pairs in ${index.segments} segment(s), about ${mib(index.bytes)} (${(index.bytes / lines).toFixed(0)} bytes a line)`,
);
console.log(
  `RSS: ${mib(rssBefore)} before the load, ${mib(loaded)} after it, ${mib(rssAfter)} with the index (${((rssAfter - rssBefore) / lines).toFixed(0)} bytes a line)`,
);
const cold0 = process.cpuUsage();
const cold = await timed(['ordin']);
const coldCpu = process.cpuUsage(cold0);
console.log(
  `first search after the build (cold), common prefix "ordin": ${cold.toFixed(2)} ms (CPU ${((coldCpu.user + coldCpu.system) / 1000).toFixed(1)} ms)`,
);
console.log(`the same again (warm): ${(await timed(['ordin'])).toFixed(2)} ms`);

console.log(`${await timeQueries(timed, lines, runs)}; RSS ${mib(rss())}`);
await store.close();
