/**
 * `npm run bench:profile-top -- <file> [n]`: where the server's time went, from a V8 CPU profile that
 * `npm run bench -- --cpu-prof` wrote (`.cpuprofile`), or what it allocated, from the sampling heap profile
 * that `--alloc-prof` wrote (`.heapprofile`): self time or bytes by function and by package/file, heaviest first.
 */
import { readFileSync } from 'node:fs';
import { commandLine, fail, wholeNumber } from '../lib/cli.js';
import { TOOLS } from './catalog.js';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}
/** A sampling heap profile: a tree of stacks, each with the bytes allocated there (sampled). */
interface HeapNode {
  id: number;
  callFrame: Node['callFrame'];
  selfSize: number;
  children?: HeapNode[];
}

/** A profile as this tool reads either kind: its stacks, and the time (µs) or bytes each spent itself. */
interface Profile {
  nodes: Node[];
  self: Map<number, number>;
  /** Per stack, in order, for `--busy`: CPU profiles only. */
  samples?: { ids: number[]; timeDeltas: number[] };
}

function cpuProfile(p: CpuProfile): Profile {
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  return { nodes: p.nodes, self, samples: { ids: p.samples, timeDeltas: p.timeDeltas } };
}

function heapProfile(head: HeapNode): Profile {
  const nodes: Node[] = [];
  const self = new Map<number, number>();
  const visit = (n: HeapNode): void => {
    nodes.push({ id: n.id, callFrame: n.callFrame, children: (n.children ?? []).map((c) => c.id) });
    if (n.selfSize > 0) self.set(n.id, n.selfSize);
    for (const c of n.children ?? []) visit(c);
  };
  visit(head);
  return { nodes, self };
}

const { values, positionals } = commandLine(
  TOOLS['profile-top'],
  { inclusive: { type: 'boolean' }, callers: { type: 'string' }, busy: { type: 'string' } },
  2,
);
const [file] = positionals;
if (file === undefined) fail(`which profile? usage: ${TOOLS['profile-top'].usage}`);
const count = wholeNumber(positionals[1], 'n', 30);
let profile: Profile;
let heap = false;
try {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile | { head: HeapNode };
  heap = 'head' in parsed;
  profile = 'head' in parsed ? heapProfile(parsed.head) : cpuProfile(parsed);
} catch (err) {
  fail(`cannot read ${file} as a CPU or heap profile: ${err instanceof Error ? err.message : String(err)}`);
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const { self } = profile;
const total = [...self.values()].reduce((a, b) => a + b, 0);
/** An amount of the profile's kind: microseconds of CPU, or bytes allocated. */
const amount = (v: number): string => (heap ? `${(v / 2 ** 20).toFixed(1).padStart(7)} MiB` : `${(v / 1000).toFixed(0).padStart(7)} ms`);

const where = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m?.[1]) return m[1];
  if (url.startsWith('node:')) return url;
  const i = url.indexOf('/api/');
  return i >= 0 ? url.slice(i + 1) : url || '(native)';
};
const fns = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (!n) continue;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  files.set(where(f.url), (files.get(where(f.url)) ?? 0) + us);
}
const top = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, v]) => `  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${amount(v)}  ${k}`)
    .join('\n');
console.log(
  `total ${amount(total).trim()} ${heap ? 'allocated (sampled, garbage included)' : 'sampled'}\n\nby function (self):\n${top(fns)}\n\nby package or file (self):\n${top(files)}`,
);

// `--callers <function>`: the heaviest stacks that lead to it.
const callersOf = values.callers;
if (callersOf !== undefined) {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n?.callFrame.functionName !== callersOf) continue;
    const frames: string[] = [];
    for (let p = parent.get(id); p !== undefined && frames.length < 12; p = parent.get(p)) {
      const f = byId.get(p)?.callFrame;
      if (f) frames.push(`${f.functionName || '(anon)'}@${where(f.url)}:${f.lineNumber + 1}`);
    }
    const key = frames.join(' < ');
    stacks.set(key, (stacks.get(key) ?? 0) + us);
  }
  console.log(`\ncallers of ${callersOf}:`);
  for (const [k, v] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${amount(v).trim()}  ${k}`);
}

// `--inclusive`: time spent in each function and everything it called (each function counted once a stack).
if (values.inclusive === true) {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const f = byId.get(p)?.callFrame;
      if (!f) continue;
      const key = `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  console.log(`\ninclusive:\n${top(inclusive)}`);
}

// `--busy <ms>`: stretches of at least that long without an idle sample, when they came and what filled them.
// A latency tail that comes in bursts is one of these: the event loop answered nothing meanwhile.
const busyMs = values.busy === undefined ? undefined : wholeNumber(values.busy, '--busy', 0);
if (busyMs !== undefined) {
  if (profile.samples === undefined) fail('--busy reads a CPU profile: a heap profile has no time');
  const { ids, timeDeltas } = profile.samples;
  const stretches: { start: number; us: number; by: Map<string, number> }[] = [];
  let current: (typeof stretches)[number] | undefined;
  let at = 0;
  ids.forEach((id, i) => {
    at += timeDeltas[i] ?? 0;
    const f = byId.get(id)?.callFrame;
    if (!f || f.functionName === '(idle)') {
      current = undefined;
      return;
    }
    const us = timeDeltas[i + 1] ?? 0;
    if (!current) stretches.push((current = { start: at, us: 0, by: new Map() }));
    current.us += us;
    const key = `${f.functionName || '(anonymous)'} ${where(f.url)}`;
    current.by.set(key, (current.by.get(key) ?? 0) + us);
  });
  const long = stretches.filter((s) => s.us >= busyMs * 1000);
  console.log(`\nbusy stretches of ${busyMs} ms or more: ${long.length} of ${stretches.length}`);
  for (const s of long) {
    const by = [...s.by].sort((a, b) => b[1] - a[1]).slice(0, 4);
    console.log(
      `  at ${(s.start / 1e6).toFixed(2)} s, ${(s.us / 1000).toFixed(1)} ms: ${by.map(([k, us]) => `${k} ${(us / 1000).toFixed(1)}`).join(', ')}`,
    );
  }
}
