/**
 * The server under test: the real server in a process of its own (production mode, 127.0.0.1, its own data
 * folder, LOG_LEVEL=warn), so the load generator never shares its event loop. CPU and RSS come from /proc,
 * which sees the whole process (the hash worker threads included). It runs as `npm start` runs it
 * (package.json, read from there): the bundle scripts/build-api.mjs makes of api/main.ts, built once a
 * benchmark, with the start script's Node flags, so the benchmark measures the server as it is run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'undici';
import { buildServer, SERVER_BUNDLE } from '../../test/support/build-server.js';
import { freePort } from '../../test/support/free-port.js';
import type { Profiling } from './scenario.js';
import { SESSION_SECRET } from './seed.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** The Node flags `npm start` runs the server with: what stands between `node` and the bundle in the start script. */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const command = pkg.scripts?.start?.split('&&').find((c) => c.includes(SERVER_BUNDLE));
  const words = command?.trim().split(/\s+/) ?? [];
  if (words[0] !== 'node' || words.at(-1) !== SERVER_BUNDLE) {
    throw new Error(`package.json's start script should run "node <flags> ${SERVER_BUNDLE}", not ${JSON.stringify(pkg.scripts?.start)}`);
  }
  return words.slice(1, -1);
}

/**
 * The script and Node flags of a server: Papo as `npm start` runs it, and a TypeScript entry of the
 * benchmark's own (a floor, Faye) through tsx, with the same flags.
 */
function programOf(entry: string | undefined): { script: string; flags: string[] } {
  if (entry === undefined) {
    buildServer();
    return { script: SERVER_BUNDLE, flags: startFlags() };
  }
  return { script: entry, flags: ['--import', 'tsx', ...startFlags()] };
}

export interface ServerOptions {
  dataDir: string;
  /** The TypeScript script to run, from the repository's root, run through tsx: Papo itself unless told (the floor's, bench/floor/). */
  entry?: string;
  env?: Record<string, string>;
  /** A profile of the server (`--cpu-prof` or `--alloc-prof`), written when it stops. */
  profile?: Profiling | undefined;
  /** Give up waiting for /healthz after this long. */
  startTimeoutMs?: number;
  /** A program and its arguments to run Node under (valgrind for `bench:count`), and Node flags to add before the start flags. */
  wrapper?: { command: string[]; nodeFlags: string[] };
}

export interface ProcessSample {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
}

export interface BenchServer {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  startMs: number;
  sample(): ProcessSample;
  /** Server log lines (warnings and errors) seen so far. */
  log: string[];
  stop(): Promise<void>;
}

export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || !Number.isFinite(rssKb)) {
    throw new Error(`cannot read the CPU time and RSS of process ${pid} from /proc`);
  }
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS, rssBytes: rssKb * 1024 };
}

/** Node's flags for a profile: its own CPU profiler, or the allocation sampler loaded first (alloc-sampler.mjs). */
function profilingFlags(profile: Profiling | undefined): string[] {
  if (profile === undefined) return [];
  if (profile.kind === 'cpu') return ['--cpu-prof', `--cpu-prof-dir=${profile.dir}`];
  return ['--import', pathToFileURL(path.join(REPO_ROOT, 'bench/lib/alloc-sampler.mjs')).href];
}

export async function startServer(options: ServerOptions): Promise<BenchServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { script, flags } = programOf(options.entry);
  const nodeArgs = [...(options.wrapper?.nodeFlags ?? []), ...flags];
  nodeArgs.unshift(...profilingFlags(options.profile));
  const started = performance.now();
  const [program, ...programArgs] = [...(options.wrapper?.command ?? []), process.execPath];
  if (program === undefined) throw new Error('no program to start');
  const child: ChildProcess = spawn(program, [...programArgs, ...nodeArgs, path.join(REPO_ROOT, script)], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: options.dataDir,
      SESSION_SECRET,
      BCRYPT_COST: '10',
      LOG_LEVEL: 'warn',
      ...(options.profile?.kind === 'alloc' ? { PAPO_ALLOC_PROFILE_DIR: options.profile.dir } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '' && log.length < 200) log.push(line);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`the server exited with ${exited} before it was ready:\n${log.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready in time:\n${log.join('\n')}`);
    }
    const ok = await request(`${url}/healthz`).then(
      async (res) => {
        await res.body.dump();
        return res.statusCode === 200;
      },
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const startMs = performance.now() - started;
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server has no pid');

  return {
    url,
    pid,
    startMs,
    log,
    sample: () => sampleProcess(pid),
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(killer);
      if (exited !== 0) throw new Error(`the server exited with ${exited} on SIGTERM:\n${log.join('\n')}`);
    },
  };
}
