/**
 * `npm run bench:poll-heap -- [polls] [rows]`: what one held long-poll keeps in the server's JavaScript heap, by
 * kind of object. The server (as the benchmark starts it) takes two heap snapshots (`--heapsnapshot-signal`):
 * one with a kept-alive connection per poll, open and idle after a first round of polls was answered, and
 * one with a poll held on each. Their difference, divided by the polls, is what a held poll costs beyond
 * its connection. Closures and suspended async functions are named by the file that made them, so Papo's
 * share stands apart from Node's request, response and socket.
 *
 * A snapshot counts live objects after a full collection: this is what a held poll keeps, not what it
 * allocated. Not a scenario of `npm run bench`: a tool for the memory work of issue #4.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { at } from '../lib/at.js';
import { commandLine, wholeNumber } from '../lib/cli.js';
import { createClient } from '../lib/client.js';
import { sleep } from '../lib/scenario.js';
import { emptyDataDir, names, seedUsers } from '../lib/seed.js';
import { REPO_ROOT, startServer } from '../lib/server.js';
import { TOOLS } from './catalog.js';

const { positionals } = commandLine(TOOLS['poll-heap'], {}, 2);
const POLLS = wholeNumber(positionals[0], 'polls', 2000);
const ROWS = wholeNumber(positionals[1], 'rows', 30);
const POLLS_PER_USER = 5;

interface Kind {
  count: number;
  bytes: number;
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Self size and count of the live objects by "type name", closures and async frames with the file that made them. */
function kindsIn(snapshot: HeapSnapshot): Map<string, Kind> {
  const { meta } = snapshot.snapshot;
  const { nodes, edges, strings } = snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const [TYPE, NAME, SIZE, EDGES] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [
    number,
    number,
    number,
    number,
  ];
  const nodeTypes = meta.node_types[0];
  const firstEdge = new Uint32Array(nodes.length / nodeFields + 1);
  for (let i = 0, e = 0; i < nodes.length; i += nodeFields) {
    firstEdge[i / nodeFields] = e;
    e += (nodes[i + EDGES] ?? 0) * edgeFields;
  }
  /** The node an edge of `node` named `name` leads to (names of property and internal edges are strings). */
  const follow = (node: number | undefined, name: string): number | undefined => {
    if (node === undefined) return undefined;
    const start = firstEdge[node / nodeFields] ?? 0;
    for (let j = 0; j < (nodes[node + EDGES] ?? 0); j++) {
      const e = start + j * edgeFields;
      if (strings[edges[e + 1] ?? -1] === name) return edges[e + 2];
    }
    return undefined;
  };
  const fileOf = (closure: number | undefined): string => {
    const script = follow(follow(closure, 'shared'), 'script_or_debug_info');
    const url = script === undefined ? '' : (strings[nodes[script + NAME] ?? -1] ?? '');
    if (url === '') return '(built-in)'; // a promise's resolve function, a bound function
    return url.startsWith('file://') ? path.relative(REPO_ROOT, new URL(url).pathname) : url;
  };

  const kinds = new Map<string, Kind>();
  for (let i = 0; i < nodes.length; i += nodeFields) {
    const type = nodeTypes[nodes[i + TYPE] ?? 0] ?? '?';
    let name = strings[nodes[i + NAME] ?? 0] ?? '';
    if (type.endsWith('string')) name = '';
    else if (type === 'closure') name = `${name || '(anonymous)'} in ${fileOf(i)}`;
    // V8 shows a suspended async function as a Generator; its function says whose it is.
    else if (type === 'object' && name === 'Generator') name = `async frame of ${fileOf(follow(i, 'function'))}`;
    const key = `${type} ${name.slice(0, 80)}`;
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
    kind.count++;
    kind.bytes += nodes[i + SIZE] ?? 0;
    kinds.set(key, kind);
  }
  return kinds;
}

const snapshotsDir = await mkdtemp(path.join(tmpdir(), 'papo-poll-heap-'));
const dataDir = await emptyDataDir('poll-heap');
const users = await seedUsers(dataDir, names('h', Math.ceil(POLLS / POLLS_PER_USER)));
const server = await startServer({
  dataDir,
  env: { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshotsDir}` },
});
const client = createClient(server.url, { pollConnections: POLLS + 16 });

/** Asks the server for a snapshot and waits until the file is whole (it is written in one go, then closed). */
async function snapshot(): Promise<string> {
  const before = new Set(await readdir(snapshotsDir));
  process.kill(server.pid, 'SIGUSR2');
  for (;;) {
    await sleep(200);
    const file = (await readdir(snapshotsDir)).find((f) => !before.has(f));
    // The server answers again once the snapshot is written.
    if (file && (await client.heldPolls().then(Number.isFinite, () => false))) return path.join(snapshotsDir, file);
  }
}

const stop = new AbortController();
const pollEach = (waitSeconds: number) =>
  Array.from({ length: POLLS }, (_, i) => client.poll(at(users, i % users.length), undefined, waitSeconds, stop.signal));
try {
  // Two rounds held for a second open a connection per poll and warm the code; the snapshot follows at
  // once, before the server's 5 s keep-alive timeout closes them.
  for (let round = 0; round < 2; round++) await Promise.all(pollEach(1));
  const idleFile = await snapshot();
  const held = pollEach(50).map((p) => p.catch(() => undefined));
  while ((await client.heldPolls()) < POLLS) await sleep(50);
  const heldFile = await snapshot();
  stop.abort();
  await Promise.all(held);

  const idle = kindsIn(JSON.parse(await readFile(idleFile, 'utf8')) as HeapSnapshot);
  const withPolls = kindsIn(JSON.parse(await readFile(heldFile, 'utf8')) as HeapSnapshot);
  const rows = [...withPolls].map(([key, kind]) => {
    const was = idle.get(key) ?? { count: 0, bytes: 0 };
    return { key, count: (kind.count - was.count) / POLLS, bytes: (kind.bytes - was.bytes) / POLLS };
  });
  rows.sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  const papo = rows.filter((r) => / (in|of) api\//.test(r.key)).reduce((sum, r) => sum + r.bytes, 0);
  console.log(`${POLLS} held polls on kept-alive connections: ${total.toFixed(0)} bytes of live heap a poll`);
  console.log(`  of which closures and async frames of Papo's own code (api/): ${papo.toFixed(0)} bytes\n`);
  console.log(`${'bytes'.padStart(7)} ${'count'.padStart(6)}  kind`);
  for (const r of rows.slice(0, ROWS)) console.log(`${r.bytes.toFixed(0).padStart(7)} ${r.count.toFixed(2).padStart(6)}  ${r.key}`);
} finally {
  stop.abort();
  await client.close();
  await server.stop();
  await rm(snapshotsDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}
