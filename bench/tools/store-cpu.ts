/**
 * `npm run bench:store-cpu -- [messages] [runs]`: main-thread CPU time per delivered message of the text store alone,
 * in-process, and the file operations it makes per message, counted through the store's Disk seam. The load
 * is the throughput scenario's without HTTP: 32 closed-loop workers, each sends a message (with a clientId)
 * from one of 100 senders to one of 1,000 recipients, then does what the recipient's long-polls do with it:
 * read the stream after the recipient's cursor (the poll answer), acknowledge up to the new cursor and read
 * the stream again (the next poll). CPU is process.cpuUsage around the timed messages (a warm-up first), so
 * it is far less sensitive than latency to what else the machine runs; each run uses a fresh data folder.
 */
import { at } from '../lib/at.js';
import { commandLine, wholeNumber } from '../lib/cli.js';
import { countingDisk, openBenchStore } from '../lib/counting-disk.js';
import { median } from '../lib/stats.js';
import { TOOLS } from './catalog.js';

const { positionals } = commandLine(TOOLS['store-cpu'], {}, 2);
const MESSAGES = wholeNumber(positionals[0], 'messages', 20_000);
const RUNS = wholeNumber(positionals[1], 'runs', 3);
const WARM_UP = 2_000;
const CONCURRENCY = 32;
const COUNTED = ['write', 'read', 'datasync', 'truncate', 'stat'] as const;

const { disk: counting, calls } = countingDisk(COUNTED);

async function run(): Promise<{ cpuUs: number; ops: Map<string, number> }> {
  const { store, remove } = await openBenchStore('papo-store-cpu-', counting);
  const senders = Array.from({ length: 100 }, (_, i) => `sender${i}`);
  const recipients = Array.from({ length: 1000 }, (_, i) => `recipient${i}`);
  for (const u of [...senders, ...recipients]) await store.users.create({ username: u, passwordHash: 'x' });
  const cursors = new Map<string, number>();
  let next = 0;
  const worker = async (until: number) => {
    while (next < until) {
      const n = next++;
      const from = at(senders, n % senders.length);
      const to = at(recipients, (n * 7) % recipients.length);
      await store.messages.append({ from, to, content: `message ${n}, of an ordinary length for a chat`, clientId: `c-${n}` });
      const after = cursors.get(to) ?? (await store.messages.startPosition(to));
      const page = await store.messages.readStream(to, after, 100);
      cursors.set(to, Math.max(cursors.get(to) ?? 0, page.last));
      await store.messages.acknowledge(to, page.last);
      await store.messages.readStream(to, page.last, 100);
    }
  };
  const phase = async (count: number) => {
    const until = next + count;
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(until)));
  };
  await phase(WARM_UP);
  calls.clear();
  const before = process.cpuUsage();
  await phase(MESSAGES);
  // The checkpoint that follows the load is part of its cost.
  await store.close();
  const used = process.cpuUsage(before);
  const ops = new Map(calls);
  await remove();
  return { cpuUs: (used.user + used.system) / MESSAGES, ops };
}

const results: { cpuUs: number; ops: Map<string, number> }[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await run();
  results.push(r);
  const ops = COUNTED.map((name) => `${name} ${((r.ops.get(name) ?? 0) / MESSAGES).toFixed(2)}`).join(', ');
  console.log(`run ${i + 1}: ${r.cpuUs.toFixed(1)} µs CPU a message; file operations a message: ${ops}`);
}
const opsMedian = COUNTED.map((name) => `${name} ${(median(results.map((r) => r.ops.get(name) ?? 0)) / MESSAGES).toFixed(2)}`);
console.log(
  `${MESSAGES} messages x ${RUNS} runs, median: ${median(results.map((r) => r.cpuUs)).toFixed(1)} µs CPU a message; ${opsMedian.join(', ')}`,
);
