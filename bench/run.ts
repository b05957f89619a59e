/**
 * `npm run bench [-- --quick] [--runs N] [--cpu-prof | --alloc-prof] [--out DIR] [scenario ...]` (`--help` lists them and the tools):
 * issue 4's benchmark. Each scenario starts the real server in a process of its own and drives it from this
 * one; each prints a table and writes JSON to bench/results/, the charts go next to it as SVG, and a summary
 * holds the figures against the targets (medians when --runs > 1). Exits non-zero when a scenario failed or
 * a request errored; the figures themselves are never judged here (CI runs --quick only to see that the
 * benchmark works).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandLine, fail, wholeNumber } from './lib/cli.js';
import type { BenchContext, Profiling, Scenario, ScenarioResult } from './lib/scenario.js';
import { REPO_ROOT } from './lib/server.js';
import { median } from './lib/stats.js';
import { lineChart, type Series } from './lib/svg.js';
import { meets, RATIOS, roundRatios, targetText } from './lib/ratios.js';
import { TARGETS } from './lib/targets.js';
import { deliver } from './scenarios/deliver.js';
import { faye } from './scenarios/faye.js';
import { floor } from './scenarios/floor.js';
import { idle, idlePolls } from './scenarios/idle.js';
import { loginStorm } from './scenarios/login-storm.js';
import { postgres } from './scenarios/postgres.js';
import { scale } from './scenarios/scale.js';
import { throughput } from './scenarios/throughput.js';
import { upload } from './scenarios/upload.js';
import { TOOLS } from './tools/catalog.js';

const SCENARIOS: Scenario[] = [deliver, throughput, idle, loginStorm, scale, floor, faye, postgres, upload];
// `postgres` (issue #5: two processes on one PostgreSQL) runs only when DATABASE_URL names a cluster to use.
const AVAILABLE = SCENARIOS.filter((s) => s !== postgres || process.env.DATABASE_URL);
const RESULTS = path.join(REPO_ROOT, 'bench', 'results');

checkToolsAreListed();
const about = [
  "Issue #4's benchmark: the real server in a process of its own, driven from this one. Each scenario prints a",
  'table and writes JSON (and charts as SVG) to the --out folder, with a summary against the targets.',
  '',
  'Scenarios (all that can run when none is named; bench/README.md says how to read each):',
  ...SCENARIOS.map((s) => `  ${s.name.padEnd(12)} ${s.summary}`),
  '',
  'Options:',
  '  --quick       smaller loads, under a minute (what CI runs)',
  '  --runs N      N rounds of the scenarios; the summary shows medians, the ratios their median within rounds',
  '  --cpu-prof    V8 CPU profiles of the server in DIR/profiles/ (read them with npm run bench:profile-top)',
  '  --alloc-prof  what the server allocated, garbage included, by stack, in DIR/profiles/ (the same reader)',
  `  --out DIR     where the JSON, SVG and profiles go (default ${path.relative(process.cwd(), RESULTS) || '.'})`,
  '',
  'Tools, one question each (npm run bench:<tool> -- --help for its arguments):',
  ...Object.entries(TOOLS).map(([name, tool]) => `  ${name.padEnd(12)} ${tool.about}`),
].join('\n');
const { values, positionals } = commandLine(
  { usage: 'npm run bench -- [--quick] [--runs N] [--cpu-prof | --alloc-prof] [--out DIR] [scenario ...]', about },
  {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    'cpu-prof': { type: 'boolean', default: false },
    'alloc-prof': { type: 'boolean', default: false },
    out: { type: 'string', default: RESULTS },
  },
  SCENARIOS.length,
);
const quick = values.quick;
const runs = wholeNumber(values.runs, '--runs', 1);
const outDir = path.resolve(values.out);
const unknown = positionals.filter((p) => !SCENARIOS.some((s) => s.name === p));
if (unknown.length > 0) fail(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
if (positionals.includes(postgres.name) && !AVAILABLE.includes(postgres)) fail('the postgres scenario needs DATABASE_URL');
const selected = positionals.length === 0 ? AVAILABLE : AVAILABLE.filter((s) => positionals.includes(s.name));

/**
 * Every file in bench/tools/ is in the catalog and has its `npm run bench:<name>` script, so this help lists
 * every tool there is and every listed tool runs. CI runs the benchmark, so a tool added without either fails there.
 */
function checkToolsAreListed(): void {
  const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const files = readdirSync(path.join(REPO_ROOT, 'bench', 'tools')).filter((f) => f.endsWith('.ts') && f !== 'catalog.ts');
  for (const file of files) {
    const name = file.slice(0, -'.ts'.length);
    if (!(name in TOOLS)) fail(`bench/tools/${file} is not in bench/tools/catalog.ts`);
  }
  for (const name of Object.keys(TOOLS)) {
    // tsx with Node flags of its own (search-latency needs --expose-gc) runs the same tool.
    const runsIt = new RegExp(`^tsx( --[a-z-]+)* bench/tools/${name}\\.ts$`);
    if (!runsIt.test(scripts[`bench:${name}`] ?? '')) fail(`package.json needs "bench:${name}": "tsx bench/tools/${name}.ts"`);
  }
}

/** The idle scenario holds 10,000 connections in this process and in the server: both need the file limit. */
function softFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const limit = Number(line?.split(/\s+/)[3]);
  if (!Number.isSafeInteger(limit)) throw new Error(`cannot read the open-file limit from /proc/self/limits: ${JSON.stringify(line)}`);
  return limit;
}
if (selected.includes(idle) && softFileLimit() < idlePolls(quick) * 2 + 1000 && !process.env.PAPO_BENCH_ULIMIT) {
  // Node cannot raise its own limit: run again under a shell that raises the soft limit to the hard one.
  const result = spawnSync(
    '/bin/sh',
    ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, PAPO_BENCH_ULIMIT: '1' },
    },
  );
  process.exit(result.status ?? 1);
}

function machine() {
  const git = (args: string[]) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--', 'api']) ? ' (api/ modified)' : ''}`,
    fileLimit: softFileLimit(),
    // Other work on the machine skews every figure: a load above the core count means the server shared them.
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    quick,
    runs,
  };
}

function printTable(rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(width[i] ?? 0)).join('  ')}`;
  console.log(line(columns));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(columns.map((c) => String(r[c] ?? ''))));
}

const info = machine();
console.log(
  `Papo benchmark${quick ? ' (quick)' : ''}: ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB, Node ${info.node}, ${info.kernel}, commit ${info.commit}, file limit ${info.fileLimit}, load average ${info.loadAverage.join(' ')}`,
);
mkdirSync(outDir, { recursive: true });
if (values['cpu-prof'] && values['alloc-prof']) fail('one profile at a time: --cpu-prof or --alloc-prof');
const profileKind = values['cpu-prof'] ? 'cpu' : values['alloc-prof'] ? 'alloc' : undefined;
const profile: Profiling | undefined = profileKind === undefined ? undefined : { kind: profileKind, dir: path.join(outDir, 'profiles') };
if (profile) mkdirSync(profile.dir, { recursive: true });
const ctx: BenchContext = { quick, profile, progress: (m) => console.log(`\n▶ ${m}`) };

let failed = 0;
const figures = new Map<string, number[]>();
const charts = new Map<string, Series[]>();
const results = new Map<Scenario, ScenarioResult[]>(selected.map((s) => [s, []]));
/** Each round's figures, for the ratios of issue #20 (Papo against the peer and the floor in the same round). */
const rounds: Map<string, number>[] = [];
// Rounds outside, scenarios inside: Papo, the floor and Faye run in turn in each round, as close in time as they can.
for (let run = 1; run <= runs; run++) {
  const round = new Map<string, number>();
  rounds.push(round);
  for (const scenario of selected) {
    try {
      const result = await scenario.run(ctx);
      results.get(scenario)?.push(result);
      console.log(
        `  ${runs > 1 ? `${scenario.name}, round ${run} of ${runs}, ` : ''}load average after it: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
      printTable(result.table);
      if (result.errors > 0) {
        failed++;
        console.log(`  ✗ ${scenario.name}: ${result.errors} request(s) failed`);
      }
      for (const f of result.figures) {
        figures.set(f.key, [...(figures.get(f.key) ?? []), f.value]);
        round.set(f.key, f.value);
      }
      // The charts show the last run (a distribution is not a median).
      for (const [name, series] of Object.entries(result.charts ?? {})) {
        const others = (charts.get(name) ?? []).filter((s) => !series.some((n) => n.name === s.name));
        charts.set(name, [...others, ...series]);
      }
    } catch (err) {
      failed++;
      console.log(`  ✗ ${scenario.name} failed: ${(err as Error).stack ?? String(err)}`);
    }
  }
}
for (const [scenario, done] of results) {
  writeFileSync(
    path.join(outDir, `${scenario.name}.json`),
    `${JSON.stringify({ machine: info, scenario: scenario.name, runs: done.map((r) => ({ figures: r.figures, details: r.details, errors: r.errors })) }, null, 2)}\n`,
  );
}

const chartOptions: Record<string, Omit<Parameters<typeof lineChart>[0], 'series'>> = {
  'delivery-latency': {
    title: `Latency distribution (${info.cores} cores, Node ${info.node})`,
    xLabel: 'latency (ms, log scale)',
    yLabel: 'fraction of messages at or below',
    xLog: true,
    legend: 'bottom-right',
    marks: [
      { axis: 'x', value: 1, label: 'p50 target 1 ms' },
      { axis: 'x', value: 5, label: 'p99 target 5 ms' },
      { axis: 'y', value: 0.99, label: 'p99' },
    ],
  },
  'scale-history': {
    title: 'History page time as the history grows',
    xLabel: 'history lines (log)',
    yLabel: 'ms (log)',
    xLog: true,
    yLog: true,
    marks: [{ axis: 'y', value: 5, label: 'target 5 ms' }],
  },
  'scale-start': {
    title: 'Start time and RSS with undelivered queued messages',
    xLabel: 'queued messages (log)',
    yLabel: 'ms / MiB (log)',
    xLog: true,
    yLog: true,
    marks: [{ axis: 'y', value: 5000, label: 'target 5 s' }],
  },
};
for (const [name, series] of charts) {
  const options = chartOptions[name];
  if (options) writeFileSync(path.join(outDir, `${name}.svg`), lineChart({ ...options, series }));
}

const medians = Object.fromEntries([...figures].map(([k, v]) => [k, median(v)]));
console.log(
  `\nSummary${runs > 1 ? ` (median of ${runs} runs)` : ''}${quick ? ' — quick mode: smaller loads, the targets are for the full run' : ''}`,
);
const rows = TARGETS.flatMap((t) => {
  const r = t.check((key) => medians[key]);
  return r ? [{ figure: t.figure, target: t.target, measured: r.measured, met: r.met ? 'yes' : 'NO' }] : [];
});
printTable(rows);

// Issue #20: Papo against the Faye peer and the durable floor, each ratio taken within a round.
const perRound = rounds.map(roundRatios);
const ratioRows = RATIOS.flatMap((r) => {
  const values = perRound.flatMap((x) => (x[r.key] === undefined ? [] : [x[r.key] as number]));
  if (values.length === 0) return [];
  const value = median(values);
  const met = meets(r, value);
  return [
    {
      ratio: r.figure,
      target: targetText(r),
      measured: `${value.toFixed(2)}x${values.length > 1 ? ` (rounds: ${values.map((v) => v.toFixed(2)).join(', ')})` : ''}`,
      met: met === undefined ? '' : met ? 'yes' : 'NO',
    },
  ];
});
if (ratioRows.length > 0) {
  console.log(`\nRatios, issue #20${runs > 1 ? ` (median of ${runs} rounds, each ratio within its round)` : ''}`);
  printTable(ratioRows);
}
const ratios = Object.fromEntries(
  RATIOS.flatMap((r) => {
    const values = perRound.flatMap((x) => (x[r.key] === undefined ? [] : [x[r.key] as number]));
    return values.length === 0
      ? []
      : [[r.key, { median: median(values), rounds: values, papo: r.papo, over: r.over, target: targetText(r) }]];
  }),
);
writeFileSync(path.join(outDir, 'summary.json'), `${JSON.stringify({ machine: info, medians, targets: rows, ratios }, null, 2)}\n`);
console.log(`\nResults and charts in ${path.relative(process.cwd(), outDir) || '.'}/`);
if (failed > 0) {
  console.log(`${failed} scenario run(s) failed or had errors`);
  process.exit(1);
}
process.exit(0);
