/**
 * `npm run bench:search-latency -- [lines] [runs]`: the text store's search (issue #18) on one user's history
 * of `lines` messages (default 1,000,000, seeded as bench/lib/seed.ts seeds the page scenarios), in-process:
 * the first search (which builds the user's index from the history), then the first page of a common word,
 * a rare one and two words, `runs` times each, with the medians. The folder is kept in BENCH_TMP (default
 * /tmp) under a name that says its size, so later runs reuse it.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '../../api/logger.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { commandLine, wholeNumber } from '../lib/cli.js';
import { emptyDataDir, names, seedHistory, seedUsers } from '../lib/seed.js';
import { median } from '../lib/stats.js';
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

const store = await TextStore.open({
  dataDir: dir,
  log: createLogger({ level: 'warn' }),
  hashPassword: async (p) => p,
  sessionTtlMs: 86_400_000,
});
const search = (words: string[]) => store.messages.search('reader', { words, limit: 20 });
let t0 = performance.now();
await store.messages.history('reader', { limit: 1 });
console.log(`history loaded: ${(performance.now() - t0).toFixed(0)} ms`);
t0 = performance.now();
await search(['ordinary']);
console.log(
  `first search (builds the index): ${(performance.now() - t0).toFixed(0)} ms, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
);
const queries: Record<string, string[]> = {
  'common word, prefix "ordin" (every message)': ['ordin'],
  'rare word "123457" (one message)': ['123457'],
  'two words "histo semicol"': ['histo', 'semicol'],
};
for (const [name, words] of Object.entries(queries)) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await search(words);
    times.push(performance.now() - t);
  }
  console.log(`${name}: first page median ${median(times).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms`);
}
await store.close();
