/**
 * postgres (issue #5): the throughput scenario on two server processes sharing one PostgreSQL, every message
 * crossing from one process to the other (sender on A, recipient's held poll on B, and back), so each
 * delivery goes through LISTEN/NOTIFY. Runs only when DATABASE_URL names a cluster the benchmark may create a
 * schema in; the users and sessions are seeded as text files and copied in with migrate-data's import.
 * Before the throughput load (issue #20): send latency and the wake across the processes (201 to the poll
 * answer on the other process), idle and under the deliver load, beside a bare insert-and-commit on the same
 * database (bench/lib/wake.ts). After Papo, the same phases against the floor on PostgreSQL, two processes of
 * Node's own `http` doing one statement a send (bench/lib/postgres-floor.ts), and Papo's figures over its.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { createLogger } from '../../api/logger.js';
import { importTextFolder } from '../../api/store/migrate/text-to-postgres.js';
import { createClient } from '../lib/client.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import { emptyDataDir, names, seedUsers, type SeededUser } from '../lib/seed.js';
import { startServer, type BenchServer } from '../lib/server.js';
import { splitClient } from '../lib/split-client.js';
import { measureTraffic, trafficDetails, trafficFigures, trafficRows, warmUp } from '../lib/setup.js';
import { round } from '../lib/stats.js';
import { Traffic } from '../lib/traffic.js';
import { insertFloor, type InsertFloor } from '../lib/insert-floor.js';
import { floorFigures, floorRows, microseconds, postgresFloor, type PostgresLoads, type PostgresPhases } from '../lib/postgres-floor.js';
import { withPostgresCpu } from '../lib/postgres-cpu.js';
import { fillAndAnalyze } from '../lib/analyze-schema.js';
import { idleWake, loadedWake, wakeFigures, wakeRows } from '../lib/wake.js';

/** Statements both processes sent to PostgreSQL so far (`papo_db_queries_total` of each /metrics). */
async function queriesSent(servers: readonly BenchServer[]): Promise<number> {
  const totals = await Promise.all(
    servers.map(async (s) => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('papo_db_queries_total '));
      if (line === undefined) throw new Error(`${s.url}/metrics has no papo_db_queries_total`);
      return Number(line.split(' ')[1]);
    }),
  );
  return totals.reduce((a, b) => a + b, 0);
}

/** Round trips a delivered message cost during `phase` (counted, so the machine's speed does not move it). */
async function countQueries<T>(servers: readonly BenchServer[], traffic: Traffic, phase: () => Promise<T>): Promise<[T, number]> {
  const before = await queriesSent(servers);
  const deliveredBefore = traffic.delivered;
  const result = await phase();
  const queries = (await queriesSent(servers)) - before;
  return [result, queries / Math.max(1, traffic.delivered - deliveredBefore)];
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Papo's two processes under the phases (the users already in the schema): its rows, figures and phases. */
async function papoRun(ctx: BenchContext, insert: InsertFloor, loads: PostgresLoads): Promise<ScenarioResult & PostgresPhases> {
  const { senders, recipients, idleSends, rate, seconds, concurrency } = loads;
  const env = { DATABASE_URL: loads.url };
  const servers = await Promise.all([0, 1].map(() => startServer({ dataDir: loads.dir, env, profile: ctx.profile })));
  const clients = servers.map((s) => createClient(s.url, { pollConnections: recipients.length + 16, connections: 256 }));
  const client = splitClient(clients, loads.home);
  const traffic = new Traffic(client, senders, recipients);
  try {
    await traffic.startPollers();
    await warmUp(traffic, 200, 1);
    await fillAndAnalyze(traffic, loads, loads.fillSeconds);
    // Issue #20: send and wake across the processes, idle and under the deliver load, beside a bare insert.
    ctx.progress(`postgres: ${idleSends} sends one at a time, then ${rate} msg/s for ${seconds} s, each beside bare inserts`);
    const [idle, idleQueries] = await countQueries(servers, traffic, () => idleWake(traffic, insert, idleSends));
    const wake = [idle, await loadedWake(traffic, insert, rate, seconds)];
    traffic.reset();
    ctx.progress(`postgres: ${concurrency} closed-loop senders to ${recipients.length} online recipients on 2 processes for ${seconds} s`);
    const [[m, loopQueries], postgresCpuUs] = await withPostgresCpu(
      () => countQueries(servers, traffic, () => measureTraffic(traffic, servers, () => traffic.closedLoop(concurrency, seconds))),
      () => traffic.delivered,
    );
    return {
      wake,
      loop: m,
      postgresCpuUs,
      table: [
        { figure: 'processes / senders (closed loop)', value: `2 / ${concurrency}` },
        ...trafficRows(traffic, m),
        { figure: 'Papo CPU per message (both processes, PostgreSQL not counted)', value: `${round(m.cpuUsPerMessage, 0)} µs` },
        { figure: 'load generator CPU per message', value: `${round(m.clientCpuUsPerMessage, 0)} µs` },
        { figure: 'PostgreSQL CPU per message (all its processes on this machine)', value: microseconds(postgresCpuUs) },
        {
          figure: 'round trips to PostgreSQL per delivered message: idle / closed loop',
          value: `${round(idleQueries, 2)} / ${round(loopQueries, 2)}`,
        },
        { figure: 'errors', value: traffic.errors },
        ...wake.flatMap(wakeRows),
      ],
      figures: [
        ...trafficFigures('postgres', m),
        { key: 'postgres.idle_queries_per_message', value: round(idleQueries, 2) },
        { key: 'postgres.loop_queries_per_message', value: round(loopQueries, 2) },
        ...(postgresCpuUs === undefined ? [] : [{ key: 'postgres.pg_cpu_us_per_msg', value: postgresCpuUs }]),
        ...wake.flatMap(wakeFigures),
      ],
      details: {
        processes: 2,
        concurrency,
        users: recipients.length,
        seconds,
        ...trafficDetails(traffic, m),
        wake,
        queriesPerMessage: { idle: idleQueries, closedLoop: loopQueries },
      },
      errors: traffic.errors,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await traffic.stopPollers();
    await client.close();
  }
}

export const postgres: Scenario = {
  name: 'postgres',
  summary:
    'the throughput load on two processes sharing one PostgreSQL, every message across them, then the floor on it (needs DATABASE_URL)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error('the postgres scenario needs DATABASE_URL');
    const users = ctx.quick ? 200 : 1000;
    const schema = `papo_bench_${randomBytes(6).toString('hex')}`;
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    await admin(base, `CREATE SCHEMA ${schema}`);
    const dir = await emptyDataDir('postgres');
    try {
      const recipients = await seedUsers(dir, names('r', users));
      const senders = await seedUsers(dir, names('s', 100));
      ctx.progress(`postgres: copying ${users + 100} users and their sessions into schema ${schema}`);
      await importTextFolder(dir, url.toString(), createLogger({ level: 'warn', destination: process.stderr }), async (p) => p);
      // Sender i on process i % 2, recipient i on the other: message n goes from sender n % 100 to recipient
      // n % users, same parity, so always across processes.
      const home = new Map<string, number>();
      senders.forEach((u: SeededUser, i) => home.set(u.username, i % 2));
      recipients.forEach((u: SeededUser, i) => home.set(u.username, (i + 1) % 2));
      const loads: PostgresLoads = {
        dir,
        url: url.toString(),
        schema,
        senders,
        recipients,
        home,
        // The deliver scenario's rate, and issue #20's 40 sends for the idle wake.
        idleSends: ctx.quick ? 10 : 40,
        fillSeconds: ctx.quick ? 2 : 4,
        rate: ctx.quick ? 200 : 1000,
        seconds: ctx.quick ? 3 : 10,
        concurrency: 32,
      };
      const insert = await insertFloor(url.toString());
      try {
        const papo = await papoRun(ctx, insert, loads);
        const floor = await postgresFloor(ctx, insert, loads);
        return {
          table: [...papo.table, ...floorRows(papo, floor)],
          figures: [...papo.figures, ...floorFigures(papo, floor)],
          details: {
            ...papo.details,
            floor: { ...floor, loop: { ...floor.loop, after: undefined } },
          },
          errors: papo.errors + floor.errors,
        };
      } finally {
        await insert.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
      await admin(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  },
};
