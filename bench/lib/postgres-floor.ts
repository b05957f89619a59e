/**
 * The postgres scenario's floor (issue #20): two processes of bench/floor/floor-postgres.ts (Node's own `http`,
 * one INSERT ... pg_notify a send, one SELECT a poll, LISTEN to wake) on the scenario's schema, with the same
 * users split across them the same way, under the same idle, loaded and closed-loop phases as Papo. Papo's
 * send over the bare insert mixes the HTTP exchange in with its own work; over this floor it does not.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from './client.js';
import type { InsertFloor } from './insert-floor.js';
import type { BenchContext, Figure } from './scenario.js';
import type { SeededUser } from './seed.js';
import { startServer } from './server.js';
import { fillAndAnalyze } from './analyze-schema.js';
import { withPostgresCpu } from './postgres-cpu.js';
import { measureTraffic, warmUp, type TrafficFigures } from './setup.js';
import { splitClient } from './split-client.js';
import { round } from './stats.js';
import { Traffic } from './traffic.js';
import { idleWake, loadedWake, type WakePhase } from './wake.js';

const ENTRY = 'bench/floor/floor-postgres.ts';

export interface PostgresLoads {
  dir: string;
  url: string;
  schema: string;
  senders: SeededUser[];
  recipients: SeededUser[];
  /** Which process (0 or 1) each user talks to. */
  home: Map<string, number>;
  idleSends: number;
  /** Seconds of closed loop before the tables are analyzed and the phases start (analyze-schema.ts). */
  fillSeconds: number;
  rate: number;
  seconds: number;
  concurrency: number;
}

/** What Papo or the floor gave under the postgres scenario's phases: the idle and loaded wake, the closed loop. */
export interface PostgresPhases {
  wake: WakePhase[];
  loop: TrafficFigures;
  /** PostgreSQL's own CPU a delivered message in the closed loop (µs; postgres-cpu.ts), when it runs here. */
  postgresCpuUs: number | undefined;
}

export interface FloorRun extends PostgresPhases {
  sent: number;
  delivered: number;
  errors: number;
  errorSamples: string[];
}

export async function postgresFloor(ctx: BenchContext, insert: InsertFloor, loads: PostgresLoads): Promise<FloorRun> {
  const users = [...loads.senders, ...loads.recipients];
  await writeFile(path.join(loads.dir, 'floor-users.json'), JSON.stringify(Object.fromEntries(users.map((u) => [u.cookie, u.username]))));
  const env = { DATABASE_URL: loads.url };
  const servers = await Promise.all([0, 1].map(() => startServer({ dataDir: loads.dir, entry: ENTRY, env, profile: ctx.profile })));
  const pools = { pollConnections: loads.recipients.length + 16, connections: 256 };
  const client = splitClient(
    servers.map((s) => createClient(s.url, pools)),
    loads.home,
  );
  const traffic = new Traffic(client, loads.senders, loads.recipients);
  try {
    await traffic.startPollers();
    await warmUp(traffic, 200, 1);
    await fillAndAnalyze(traffic, loads, loads.fillSeconds);
    ctx.progress(`postgres: the same phases against the floor on PostgreSQL (2 processes of ${ENTRY})`);
    const wake = [await idleWake(traffic, insert, loads.idleSends), await loadedWake(traffic, insert, loads.rate, loads.seconds)];
    traffic.reset();
    const [loop, postgresCpuUs] = await withPostgresCpu(
      () => measureTraffic(traffic, servers, () => traffic.closedLoop(loads.concurrency, loads.seconds)),
      () => traffic.delivered,
    );
    return {
      wake,
      loop,
      postgresCpuUs,
      sent: traffic.created,
      delivered: traffic.delivered,
      errors: traffic.errors,
      errorSamples: traffic.errorSamples,
    };
  } finally {
    // Polls first: servers stopped under them would have them record refused connections as errors.
    await traffic.stopPollers();
    await Promise.all(servers.map((s) => s.stop()));
    await client.close();
  }
}

const ms = (v: number) => `${round(v)} ms`;
/** PostgreSQL's CPU a message, or why there is none: its processes are not on this machine. */
export const microseconds = (v: number | undefined) => (v === undefined ? 'not here' : `${round(v, 0)} µs`);
const ratio = (a: number, b: number) => `${round(a / b)}x`;

/** The floor's rows, and Papo's figures over the floor's (each phase of `papo` matched with the floor's). */
export function floorRows(papo: PostgresPhases, floor: FloorRun): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  floor.wake.forEach((f, i) => {
    const p = papo.wake[i];
    if (p === undefined) return;
    const label = f.phase === 'idle' ? 'floor, idle' : `floor, under ${f.rate} msg/s (delivered ${round(f.deliveredPerSecond, 0)}/s)`;
    rows.push(
      { figure: `${label}: send p50 / p99`, value: `${ms(f.send.p50)} / ${ms(f.send.p99)}` },
      { figure: `${label}: wake p50 / p99`, value: `${ms(f.wake.p50)} / ${ms(f.wake.p99)}` },
      {
        figure: `${label}: Papo's send / floor's, p50; Papo's wake / floor's, p99`,
        value: `${ratio(p.send.p50, f.send.p50)}; ${ratio(p.wake.p99, f.wake.p99)}`,
      },
    );
  });
  rows.push(
    {
      figure: `floor, closed loop: sent / delivered, delivered rate`,
      value: `${floor.sent} / ${floor.delivered}, ${round(floor.loop.deliveredPerSecond, 0)} msg/s`,
    },
    {
      figure: 'floor, closed loop: send p50 / p99, CPU per message (floor / PostgreSQL)',
      value: `${ms(floor.loop.send.p50)} / ${ms(floor.loop.send.p99)}, ${round(floor.loop.cpuUsPerMessage, 0)} / ${microseconds(floor.postgresCpuUs)}`,
    },
    {
      figure: "floor, closed loop: Papo's delivered rate / floor's",
      value: ratio(papo.loop.deliveredPerSecond, floor.loop.deliveredPerSecond),
    },
    { figure: 'floor: errors', value: floor.errors },
  );
  return rows;
}

export function floorFigures(papo: PostgresPhases, floor: FloorRun): Figure[] {
  const figures: Figure[] = [];
  floor.wake.forEach((f, i) => {
    const p = papo.wake[i];
    if (p === undefined) return;
    const k = `postgres.floor.${f.phase}`;
    figures.push(
      { key: `${k}.send_p50_ms`, value: f.send.p50 },
      { key: `${k}.send_p99_ms`, value: f.send.p99 },
      { key: `${k}.wake_p50_ms`, value: f.wake.p50 },
      { key: `${k}.wake_p99_ms`, value: f.wake.p99 },
      { key: `${k}.papo_send_over_floor_p50`, value: p.send.p50 / f.send.p50 },
      { key: `${k}.papo_wake_over_floor_p99`, value: p.wake.p99 / f.wake.p99 },
    );
  });
  figures.push(
    { key: 'postgres.floor.delivered_per_s', value: floor.loop.deliveredPerSecond },
    { key: 'postgres.floor.cpu_us_per_msg', value: floor.loop.cpuUsPerMessage },
    ...(floor.postgresCpuUs === undefined ? [] : [{ key: 'postgres.floor.pg_cpu_us_per_msg', value: floor.postgresCpuUs }]),
    { key: 'postgres.floor.papo_delivered_over_floor', value: papo.loop.deliveredPerSecond / floor.loop.deliveredPerSecond },
  );
  return figures;
}
