/**
 * `npm run bench:syscalls -- [messages=2000] [rate=500] [runs=1] [--servers ...] [--json FILE]`: the kernel's
 * side of a delivered message, counted (issue #20). `bench:count` counts the instructions a server runs in
 * user space; valgrind does not see what it asks of the kernel (socket writes, file writes, fdatasync, epoll),
 * which a CPU profile of Papo puts at a fifth of its main thread (docs/performance.md). This counts the system
 * calls instead: each server runs as the benchmark starts it, with deliver's users and held polls, warms up with
 * deliver's warm-up, and `perf stat` counts every `syscalls:sys_enter_*` tracepoint of its process (every
 * thread, and threads started later, which inherit the counters) over a window of `messages` sent open-loop at
 * `rate`; each count is divided by the messages delivered in the window.
 *
 * The count does not depend on how busy the machine is, but the batches of a group commit (and so the
 * fdatasync and writes a message) depend on the rate: compare figures taken at the same rate, low enough that
 * every server keeps up (the tool says when one did not deliver every message it accepted).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { commandLine, fail, wholeNumber } from '../lib/cli.js';
import { ALL_SERVER_KEYS, pickServers, type ComparedServer } from '../lib/compared-servers.js';
import { sleep } from '../lib/scenario.js';
import { messagingRig, warmUp } from '../lib/setup.js';
import { median } from '../lib/stats.js';
import { TOOLS } from './catalog.js';

const { values, positionals } = commandLine(
  TOOLS.syscalls,
  { servers: { type: 'string', default: ALL_SERVER_KEYS }, json: { type: 'string' } },
  3,
);
const messages = wholeNumber(positionals[0], 'messages', 2000);
const rate = wholeNumber(positionals[1], 'rate', 500);
const runs = wholeNumber(positionals[2], 'runs', 1);
const selected = pickServers(values.servers);
/** Quiet between the warm-up and the window, for the checkpoint that writes the warm-up's history lines. */
const SETTLE_MS = 1000;
/** Deliver's users (bench/scenarios/deliver.ts): a held poll each for 1,000 recipients, 100 senders. */
const USERS = { recipients: 1000, senders: 100 };
/**
 * Quiet after the last delivery, inside the window: the recipients' next polls (which acknowledge) and the
 * writes they cause come after it. Idle timers add a few calls a second, a small share of a window's.
 */
const TAIL_MS = 1000;
const SHOWN = 10;

const perfList = spawnSync('perf', ['list', 'syscalls:sys_enter_write'], { encoding: 'utf8' });
if (perfList.error) fail('perf is not installed (apt-get install linux-perf, or linux-tools for this kernel)');
if (!perfList.stdout.includes('syscalls:sys_enter_write'))
  fail('perf lists no syscalls:sys_enter_* tracepoints here (it needs root, or kernel.perf_event_paranoid=-1, and tracefs)');

/** A running `perf stat` on a process, its counters off until `enable`, driven through its control FIFOs. */
async function perfStat(pid: number, dir: string) {
  const [ctlPath, ackPath, outPath] = ['ctl', 'ack', 'out.csv'].map((f) => path.join(dir, f)) as [string, string, string];
  for (const fifo of [ctlPath, ackPath]) if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error(`mkfifo ${fifo} failed`);
  // Without a command to run, perf counts until SIGINT; `-D -1` starts it disabled, so the window is ours to open.
  const perf = spawn(
    'perf',
    ['stat', '-x,', '-e', 'syscalls:sys_enter_*', '-D', '-1', '--control', `fifo:${ctlPath},${ackPath}`, '-p', String(pid), '-o', outPath],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  perf.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => perf.once('exit', () => resolve()));
  // Opening a FIFO waits for its other end: perf opens both once its counters are attached.
  const failed = exited.then(() => {
    throw new Error(`perf stat exited before it counted: ${stderr}`);
  });
  const [ctl, ack] = await Promise.race([Promise.all([open(ctlPath, 'w'), open(ackPath, 'r')]), failed]);
  /** Sends a command and waits for perf's "ack", so the counters are on (or off) when this returns. */
  const command = async (what: 'enable' | 'disable') => {
    await ctl.write(`${what}\n`);
    const { bytesRead, buffer } = await ack.read(Buffer.alloc(16), 0, 16);
    if (!buffer.subarray(0, bytesRead).toString().startsWith('ack')) throw new Error(`perf did not acknowledge ${what}: ${stderr}`);
  };
  return {
    enable: () => command('enable'),
    /** Stops counting and returns each system call's count in the window, by name. */
    async finish(): Promise<Map<string, number>> {
      await command('disable');
      perf.kill('SIGINT');
      await exited;
      await Promise.all([ctl.close(), ack.close()]);
      return parsePerfCsv(await readFile(outPath, 'utf8'));
    },
  };
}

/** perf's `-x,` lines: count, unit, event, ...; calls never made are left out. */
function parsePerfCsv(csv: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of csv.split('\n')) {
    const [count, , event] = line.split(',');
    const name = /^syscalls:sys_enter_(\w+)$/.exec(event ?? '')?.[1];
    const n = Number(count);
    if (name !== undefined && Number.isFinite(n) && n > 0) counts.set(name, n);
  }
  if (counts.size === 0) throw new Error(`perf counted no system calls:\n${csv}`);
  return counts;
}

interface Window {
  sent: number;
  delivered: number;
  errors: number;
  /** System calls a delivered message, by name. */
  perMessage: Record<string, number>;
  total: number;
}

async function countOne(server: ComparedServer): Promise<Window> {
  const target =
    server.entry === undefined ? undefined : { name: server.name, entry: server.entry, env: server.env ?? {}, protocol: server.protocol };
  const ctx = { quick: false, profile: undefined, progress: () => undefined };
  const rig = await messagingRig(ctx, `syscalls-${server.key}`, USERS, { target });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'papo-syscalls-'));
  try {
    const { traffic, client, server: bench } = rig;
    await warmUp(traffic, rate, 2);
    while ((await client.heldPolls()) < USERS.recipients) await sleep(20);
    // The warm-up reached every user, but their history lines wait for Papo's next checkpoint, which would
    // create each user's history file inside the window (access, open, fstat, the folder's fsync): a cost a
    // user pays once in the data folder's life. A second of quiet lets the idle checkpoint (after 50 ms
    // without a batch) create them first.
    await sleep(SETTLE_MS);
    const perf = await perfStat(bench.pid, dir);
    await perf.enable();
    await traffic.openLoop(rate, messages / rate);
    await traffic.settle(5000);
    await sleep(TAIL_MS);
    const counts = await perf.finish();
    const delivered = Math.max(1, traffic.delivered);
    const byFrequency = [...counts].sort((a, b) => b[1] - a[1]);
    const perMessage = Object.fromEntries(byFrequency.map(([name, n]) => [name, n / delivered]));
    const total = byFrequency.reduce((sum, [, n]) => sum + n, 0) / delivered;
    return { sent: traffic.created, delivered: traffic.delivered, errors: traffic.errors, perMessage, total };
  } finally {
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `System calls a delivered message (every thread of the server, perf stat -e 'syscalls:sys_enter_*'), ${messages} messages at ${rate} msg/s to ${USERS.recipients} held polls, after deliver's warm-up`,
);
const results: Record<string, Window[]> = {};
let short = false;
for (let run = 1; run <= runs; run++) {
  for (const server of selected) {
    const w = await countOne(server);
    (results[server.key] ??= []).push(w);
    const kept = w.delivered === messages && w.sent === messages && w.errors === 0;
    if (!kept) short = true;
    const top = Object.entries(w.perMessage).slice(0, 5);
    console.log(
      `  ${server.name.padEnd(20)} ${w.total.toFixed(2).padStart(7)} a message${runs > 1 ? ` (run ${run})` : ''}; ${kept ? '' : `only ${w.delivered} of ${w.sent} accepted (${messages} sent, ${w.errors} errors) delivered; `}${top.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')}`,
    );
  }
}

/** Each server's median a message over the runs, by system call, and in all. */
const medians = Object.fromEntries(
  Object.entries(results).map(([key, windows]) => {
    const names = new Set(windows.flatMap((w) => Object.keys(w.perMessage)));
    const byName = Object.fromEntries([...names].map((name) => [name, median(windows.map((w) => w.perMessage[name] ?? 0))]));
    return [key, { total: median(windows.map((w) => w.total)), byName }];
  }),
);
printTable();
const papo = medians.papo;
const ratios: Record<string, number> = {};
for (const [key, m] of Object.entries(medians)) {
  if (papo === undefined || key === 'papo') continue;
  ratios[key] = papo.total / m.total;
  console.log(`  Papo / ${key}: ${ratios[key].toFixed(2)}x (${papo.total.toFixed(2)} / ${m.total.toFixed(2)} a message)`);
}
/** The median a message of each server's `SHOWN` most frequent calls, one column a server. */
function printTable(): void {
  const keys = Object.keys(medians);
  const names = new Set(
    keys.flatMap((key) =>
      Object.entries(medians[key]?.byName ?? {})
        .sort((a, b) => b[1] - a[1])
        .slice(0, SHOWN)
        .map(([name]) => name),
    ),
  );
  const cell = (n: number | undefined) => (n ?? 0).toFixed(2).padStart(15);
  const columns = keys.map((k) => k.padStart(15)).join('');
  console.log(`\n  ${'a message'.padEnd(18)}${columns}${runs > 1 ? `   (median of ${runs} runs)` : ''}`);
  const rows = [...names].sort((a, b) => (medians.papo?.byName[b] ?? 0) - (medians.papo?.byName[a] ?? 0));
  for (const name of rows) console.log(`  ${name.padEnd(18)}${keys.map((k) => cell(medians[k]?.byName[name])).join('')}`);
  console.log(`  ${'all'.padEnd(18)}${keys.map((k) => cell(medians[k]?.total)).join('')}\n`);
}

if (values.json !== undefined)
  await writeFile(values.json, `${JSON.stringify({ messages, rate, users: USERS, runs: results, medians, papoOver: ratios }, null, 2)}\n`);
if (short) fail('a server did not deliver every message of its window: lower the rate');
process.exit(0);
