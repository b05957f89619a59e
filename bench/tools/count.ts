/**
 * `npm run bench:count -- [messages=200] [runs=1] [--warmup 2000] [--servers ...]`: the work a fixed workload costs,
 * counted rather than timed (issue #20), so that the machine's other load does not move it. Each server runs
 * under `valgrind --tool=callgrind` (which counts the instructions every thread of the process executes) with
 * V8 on one thread and a fixed garbage-collection schedule (`--single-threaded --predictable-gc-schedule`), and
 * this process drives it from outside valgrind with a small workload, one message at a time: a send, its
 * delivery to the recipient's held poll, and the recipient's next poll (which acknowledges it on Papo and the
 * floor). The instructions of a window of `messages` such messages, after `--warmup` to warm up, are counted
 * with `callgrind_control` (zero at the start of the window, dump at its end), and divided by the messages.
 *
 * One message at a time keeps batches to one message and every poll held when its message comes, so the
 * work does not depend on timing: a run gives the same count to within a small fraction of a percent (the
 * figures and the spread are in docs/performance.md). It is the figure to judge a hot-path change by, beside
 * paired timings.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient, type ApiClient } from '../lib/client.js';
import { commandLine, fail, wholeNumber } from '../lib/cli.js';
import { ALL_SERVER_KEYS, pickServers, type ComparedServer } from '../lib/compared-servers.js';
import { createFayeClient } from '../lib/faye-client.js';
import { sleep } from '../lib/scenario.js';
import { median } from '../lib/stats.js';
import { emptyDataDir, names, seedUsers, type SeededUser } from '../lib/seed.js';
import { startServer } from '../lib/server.js';
import { TOOLS } from './catalog.js';

const { values, positionals } = commandLine(
  TOOLS.count,
  { servers: { type: 'string', default: ALL_SERVER_KEYS }, keep: { type: 'string' }, warmup: { type: 'string' } },
  2,
);
const messages = wholeNumber(positionals[0], 'messages', 200);
const runs = wholeNumber(positionals[1], 'runs', 1);
/**
 * Messages before the window. V8's optimizing compiler runs on the main thread here (`--single-threaded`), so
 * what it compiles in the window is counted: after 200 messages it was still over half of Papo's count
 * (docs/performance.md). 2,000 leaves it a small share; the window then counts the code a running server runs.
 */
const warmup = wholeNumber(values.warmup, 'warmup', 2000);

const selected = pickServers(values.servers);
for (const tool of ['valgrind', 'callgrind_control']) {
  if (spawnSync(tool, ['--version']).error) fail(`${tool} is not installed (it comes with valgrind: apt-get install valgrind)`);
}

/** Node's flags under valgrind: V8's work on the main thread, and garbage collections at the same points each run. */
const NODE_FLAGS = ['--single-threaded', '--predictable-gc-schedule', '--random-seed=1'];
/**
 * Few recipients, and polls held for the longest wait Papo takes: a held poll that ran out of time would be
 * answered empty and made again, work that depends on how slowly valgrind runs that day.
 */
const RECIPIENTS = 5;
const SENDERS = 5;
const POLL_WAIT_SECONDS = 50;
/**
 * Quiet after each message of the window. Papo checkpoints once 50 ms pass without a batch
 * (api/store/text/group-commit.ts): without a pause, whether a message was followed by a checkpoint depended
 * on how fast valgrind ran that minute, and the same commit counted 10% apart at two machine loads. With it,
 * every message is followed by one, as on a server that gets a message now and then.
 */
const PAUSE_MS = 300;

/**
 * Sends callgrind a command through vgdb. vgdb finds the process's pipes by a name that holds the `HOST` of
 * its environment, which the benchmark sets to the server's listening address: the same here.
 */
function callgrindControl(flag: '-z' | '-d' | '--instr=on', pid: number): void {
  const result = spawnSync('callgrind_control', [flag, String(pid)], { encoding: 'utf8', env: { ...process.env, HOST: '127.0.0.1' } });
  if (result.status !== 0 || !result.stdout.includes('OK') || /error/i.test(result.stderr))
    throw new Error(`callgrind_control ${flag} ${pid} failed: ${result.stdout}${result.stderr}`);
}

/**
 * The instructions in callgrind's first dump (the window: zeroed at its start, dumped at its end). The dump is
 * written by the process once it takes the command, a moment after `callgrind_control` returns: wait for it.
 */
async function dumpedInstructions(dir: string, keepAs: string | undefined): Promise<Counts> {
  for (let tries = 0; tries < 600; tries++) {
    const dump = (await readdir(dir)).find((f) => f.endsWith('.1'));
    const totals = dump === undefined ? undefined : /^(?:totals|summary): (\d+)/m.exec(await readFile(path.join(dir, dump), 'utf8'))?.[1];
    if (dump !== undefined && totals !== undefined) {
      if (keepAs !== undefined) await copyFile(path.join(dir, dump), keepAs);
      return { total: Number(totals), ...splitOut(path.join(dir, dump)) };
    }
    await sleep(100);
  }
  throw new Error(`callgrind wrote no dump in ${dir} within a minute`);
}

interface Counts {
  total: number;
  /** Of which V8's compilers (TurboFan, Maglev, the baseline compiler): what the window still compiled. */
  compiling: number;
  /** Of which V8's full (mark-compact) collections: one comes every few hundred messages, in a window or not. */
  fullCollections: number;
}

/** V8's compilers, by the C++ namespaces and classes their functions are in. */
const COMPILER =
  /v8::internal::(?:compiler|maglev|baseline|turboshaft)::|v8::internal::(?:Compiler|OptimizingCompileDispatcher|BaselineBatchCompiler)::/;
/** V8's mark-compact collector: marking, sweeping, clearing (the young generation's scavenges are not in it). */
const FULL_COLLECTION =
  /MarkCompact|MarkingVisitor|MarkingState|IncrementalMarking|ConcurrentMarking|MarkingBarrier|MarkingWorklist|WhiteToGrey|Sweeper|ClearWeak|StringTableCleaner|LiveObjectRange|RecordMigratedSlot|FlushedBytecode/;

/** Instructions spent in V8's compilers and in its full collections, from `callgrind_annotate`'s list of every function (self cost). */
function splitOut(file: string): Omit<Counts, 'total'> {
  const result = spawnSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  if (result.status !== 0) throw new Error(`callgrind_annotate ${file} failed: ${result.stderr}`);
  const counts = { compiling: 0, fullCollections: 0 };
  for (const line of result.stdout.split('\n')) {
    const m = /^\s*([\d,]+) \([ \d.]+%\)\s+(.*)$/.exec(line);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const n = Number(m[1].replaceAll(',', ''));
    if (COMPILER.test(m[2])) counts.compiling += n;
    else if (FULL_COLLECTION.test(m[2])) counts.fullCollections += n;
  }
  return counts;
}

async function countOne(server: ComparedServer, run: number): Promise<Counts> {
  const dataDir = await emptyDataDir(`count-${server.key}`);
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'papo-callgrind-'));
  const recipients = await seedUsers(dataDir, names('r', RECIPIENTS));
  const senders = await seedUsers(dataDir, names('s', SENDERS));
  const byCookie = Object.fromEntries([...recipients, ...senders].map((u) => [u.cookie, u.username]));
  await writeFile(path.join(dataDir, 'floor-users.json'), JSON.stringify(byCookie));
  const bench = await startServer({
    dataDir,
    ...(server.entry === undefined ? {} : { entry: server.entry }),
    env: { ...server.env, POLL_WAIT_SECONDS: String(POLL_WAIT_SECONDS) },
    startTimeoutMs: 1_800_000,
    wrapper: {
      // Instrumented from the window on only: the start and the warm-up run at valgrind's plain speed.
      command: [
        'valgrind',
        '--tool=callgrind',
        '--instr-atstart=no',
        `--callgrind-out-file=${path.join(outDir, 'callgrind.out')}`,
        '--vgdb=yes',
      ],
      nodeFlags: NODE_FLAGS,
    },
  });
  const pools = { pollConnections: RECIPIENTS + 4, connections: 8 };
  const client: ApiClient = server.protocol === 'bayeux' ? createFayeClient(bench.url, pools) : createClient(bench.url, pools);
  const stop = new AbortController();
  const waiting = new Map<number, () => void>();
  const pollLoop = async (user: SeededUser) => {
    let cursor: string | undefined;
    while (!stop.signal.aborted) {
      const answer = await client.poll(user, cursor, POLL_WAIT_SECONDS, stop.signal).catch((err: unknown) => {
        if (stop.signal.aborted) return undefined;
        throw err;
      });
      if (!answer) return;
      if (answer.status !== 200 || !answer.body) throw new Error(`${server.name}: poll answered ${answer.status}`);
      for (const e of answer.body.events) {
        if (e.type !== 'message') continue;
        const n = Number(e.message.content.slice(e.message.content.lastIndexOf('#') + 1));
        waiting.get(n)?.();
        waiting.delete(n);
      }
      cursor = answer.body.cursor === '' ? undefined : answer.body.cursor;
    }
  };
  const pollers = recipients.map(pollLoop);
  let next = 0;
  /**
   * `count` messages one at a time, each to a recipient whose poll has had 4 messages' time to be held again,
   * with `pauseMs` of quiet after each delivery.
   */
  const oneAtATime = async (count: number, pauseMs = 0) => {
    for (let i = 0; i < count; i++) {
      const n = next++;
      const to = recipients[n % RECIPIENTS];
      const from = senders[n % SENDERS];
      if (!to || !from) throw new Error('no users');
      const delivered = new Promise<void>((resolve) => waiting.set(n, resolve));
      const { status } = await client.send(from, to.username, `count #${n}`);
      if (status !== 201) throw new Error(`${server.name}: send answered ${status}`);
      await delivered;
      if (pauseMs > 0) await sleep(pauseMs);
    }
  };
  const allHeld = async () => {
    while ((await client.heldPolls()) < RECIPIENTS) await sleep(50);
  };
  try {
    await allHeld();
    await oneAtATime(warmup);
    // Settle: the last polls held again, the idle checkpoint after the warm-up done, before the window opens.
    await allHeld();
    await sleep(3000);
    callgrindControl('--instr=on', bench.pid);
    callgrindControl('-z', bench.pid);
    await oneAtATime(messages, PAUSE_MS);
    // The window closes once the last message's acknowledgement and the idle checkpoint after it are done.
    await sleep(3000);
    callgrindControl('-d', bench.pid);
    return await dumpedInstructions(
      outDir,
      values.keep === undefined ? undefined : path.join(values.keep, `callgrind.${server.key}.${run}.out`),
    );
  } finally {
    stop.abort();
    await Promise.allSettled(pollers);
    await bench.stop().catch(() => undefined);
    await client.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  }
}

console.log(
  `Instructions a delivered message (send, delivery to a held poll, the next poll), ${messages} messages one at a time after ${warmup} to warm up, under valgrind --tool=callgrind with node ${NODE_FLAGS.join(' ')}`,
);
if (values.keep !== undefined) await mkdir(values.keep, { recursive: true });
const results: Record<string, Counts[]> = {};
const perMessage = (n: number) => `${(n / messages / 1e6).toFixed(3)} M`;
for (let run = 1; run <= runs; run++) {
  for (const server of selected) {
    const started = performance.now();
    const counts = await countOne(server, run);
    const { total, compiling, fullCollections } = counts;
    (results[server.key] ??= []).push(counts);
    console.log(
      `  ${server.name.padEnd(20)} ${String(total).padStart(14)} instructions, ${perMessage(total)} a message; outside V8's compilers ${perMessage(total - compiling)}, and its full collections ${perMessage(total - compiling - fullCollections)}${runs > 1 ? ` (run ${run})` : ''}  [${((performance.now() - started) / 1000).toFixed(0)} s]`,
    );
  }
}
/** Each server's median over the runs: all instructions, and those outside the compilers and full collections. */
const medianOf = (key: string, pick: (c: Counts) => number): number | undefined => {
  const values = (results[key] ?? []).map(pick);
  return values.length === 0 ? undefined : median(values);
};
const steady = (c: Counts) => c.total - c.compiling - c.fullCollections;
for (const key of ['floor', 'floor-receipts', 'faye']) {
  const [papo, other] = [medianOf('papo', (c) => c.total), medianOf(key, (c) => c.total)];
  const [papoSteady, otherSteady] = [medianOf('papo', steady), medianOf(key, steady)];
  if (papo !== undefined && other !== undefined && papoSteady !== undefined && otherSteady !== undefined)
    console.log(
      `  Papo / ${key}: ${(papo / other).toFixed(2)}x; outside the compilers and full collections ${(papoSteady / otherSteady).toFixed(2)}x`,
    );
}
process.exit(0);
