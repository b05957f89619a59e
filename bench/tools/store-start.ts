/**
 * `npm run bench:store-start -- [queued] [runs]`: how long the text store takes to open a data folder with `queued`
 * undelivered messages (default 1,000,000), in-process, without the HTTP server or tsx's compile time around
 * it: wall-clock, CPU and RSS of `TextStore.open`, per run, and the medians. The folder is seeded once, the
 * way the scale scenario seeds it (bench/lib/seed.ts: 100 senders, 1,000 recipients), and kept in
 * BENCH_TMP (default /tmp) under a name that says its size, so later runs reuse it; opening it changes nothing
 * in it (nothing is delivered, so there is nothing to compact). `--cpu-prof` on node profiles the opens.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '../../api/logger.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { commandLine, wholeNumber } from '../lib/cli.js';
import { emptyDataDir, names, seedQueue, seedUsers } from '../lib/seed.js';
import { median } from '../lib/stats.js';
import { TOOLS } from './catalog.js';

const { positionals } = commandLine(TOOLS['store-start'], {}, 2);
const queued = wholeNumber(positionals[0], 'queued', 1_000_000);
const runs = wholeNumber(positionals[1], 'runs', 3);
const dir = path.join(process.env.BENCH_TMP ?? '/tmp', `papo-store-start-${queued}`);

if (!existsSync(dir)) {
  const fresh = await emptyDataDir(`store-start-${queued}`);
  await seedUsers(fresh, [...names('s', 100), ...names('r', 1000)]);
  await seedQueue(fresh, names('s', 100), names('r', 1000), queued);
  await rename(fresh, dir);
}

const wall: number[] = [];
const cpu: number[] = [];
const rss: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const store = await TextStore.open({
    dataDir: dir,
    log: createLogger({ level: 'warn' }),
    hashPassword: async (p) => p,
    sessionTtlMs: 86_400_000,
  });
  const c = process.cpuUsage(c0);
  wall.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
  rss.push(process.memoryUsage().rss / 2 ** 20);
  await store.close();
  console.log(`open ${i + 1}: ${wall.at(-1)?.toFixed(0)} ms wall, ${cpu.at(-1)?.toFixed(0)} ms CPU, RSS ${rss.at(-1)?.toFixed(0)} MiB`);
}
console.log(
  `${queued} queued, ${runs} opens: median ${median(wall).toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU, RSS ${median(rss).toFixed(0)} MiB`,
);
