import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { at } from './at.js';
import { createClient, type ApiClient } from './client.js';
import { createFayeClient } from './faye-client.js';
import type { BenchContext, Figure } from './scenario.js';
import { emptyDataDir, names, seedUsers, type SeededUser } from './seed.js';
import { startServer, type BenchServer, type ProcessSample } from './server.js';
import { cpuMicros, round, summarize, type Summary } from './stats.js';
import { Traffic } from './traffic.js';

export interface MessagingRig {
  server: BenchServer;
  client: ApiClient;
  traffic: Traffic;
  senders: SeededUser[];
  recipients: SeededUser[];
  close(): Promise<void>;
}

/**
 * Another server than Papo for the same load: the floor (bench/floor/), which reads floor-users.json and
 * speaks Papo's API, or the Faye peer (bench/faye/), which speaks Bayeux.
 */
export interface ServerUnderTest {
  name: string;
  /** Its script, from the repository's root. */
  entry: string;
  env: Record<string, string>;
  /** How the load generator talks to it: Papo's API (the default) or Bayeux's long-polling. */
  protocol?: 'papo' | 'bayeux';
}

/**
 * A server on a fresh folder with `recipients` online users (each holding a poll) and `senders` users: Papo
 * with `env` added to its environment, or `target` instead of Papo.
 */
export async function messagingRig(
  ctx: BenchContext,
  name: string,
  counts: { recipients: number; senders: number },
  options: { env?: Record<string, string>; target?: ServerUnderTest | undefined } = {},
): Promise<MessagingRig> {
  const env = options.target?.env ?? options.env ?? {};
  const entry = options.target?.entry;
  const dir = await emptyDataDir(name);
  const recipients = await seedUsers(dir, names('r', counts.recipients));
  const senders = await seedUsers(dir, names('s', counts.senders));
  if (entry !== undefined) {
    const byCookie = Object.fromEntries([...recipients, ...senders].map((u) => [u.cookie, u.username]));
    await writeFile(path.join(dir, 'floor-users.json'), JSON.stringify(byCookie));
  }
  const server = await startServer({ dataDir: dir, profile: ctx.profile, env, ...(entry === undefined ? {} : { entry }) });
  const pools = { pollConnections: counts.recipients + 16, connections: 256 };
  const client = options.target?.protocol === 'bayeux' ? createFayeClient(server.url, pools) : createClient(server.url, pools);
  const traffic = new Traffic(client, senders, recipients);
  await traffic.startPollers();
  return {
    server,
    client,
    traffic,
    senders,
    recipients,
    async close() {
      // Polls first: a server stopped under them would have them record refused connections as errors.
      await traffic.stopPollers();
      await server.stop();
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * How long deliver and throughput measure: long enough to hold many of the text store's checkpoints (one every
 * 5 s) and the garbage collections of a steady state, which shorter windows catch or miss by chance (the
 * spread this gave is in docs/performance.md).
 */
export const loadSeconds = (ctx: BenchContext): number => (ctx.quick ? 2 : 30);

/** Warm-up: a little traffic before measuring, so the JIT and the lazily opened files are in place. */
export async function warmUp(traffic: Traffic, rate: number, seconds: number): Promise<void> {
  await traffic.openLoop(rate, seconds);
  await traffic.settle(5000);
  traffic.reset();
}

/** What the messaging scenarios measure around their load. */
export interface TrafficFigures {
  /** Seconds the load ran (the sending, not the wait for the last deliveries after it). */
  seconds: number;
  deliveredPerSecond: number;
  send: Summary;
  delivery: Summary;
  /** The servers' CPU (all of them, from /proc) per delivered message, in µs. */
  cpuUsPerMessage: number;
  /** The load generator's (this process's) CPU per delivered message, in µs. */
  clientCpuUsPerMessage: number;
  /** The servers once the deliveries are in. */
  after: ProcessSample[];
}

/** Runs `load`, waits (up to 5 s) for every message that got its 201 to be delivered, and measures. */
export async function measureTraffic(
  traffic: Traffic,
  servers: readonly BenchServer[],
  load: () => Promise<void>,
): Promise<TrafficFigures> {
  const before = servers.map((s) => s.sample());
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  await load();
  const seconds = (performance.now() - start) / 1000;
  await traffic.settle(5000);
  const after = servers.map((s) => s.sample());
  const clientCpu = cpuMicros(process.cpuUsage(clientBefore));
  const serverCpuSeconds = after.reduce((sum, a, i) => sum + a.cpuSeconds - at(before, i).cpuSeconds, 0);
  const delivered = Math.max(1, traffic.delivered);
  return {
    seconds,
    deliveredPerSecond: traffic.delivered / seconds,
    send: summarize(traffic.sendLatency),
    delivery: summarize(traffic.deliveries.map((d) => d.ms)),
    cpuUsPerMessage: (serverCpuSeconds / delivered) * 1e6,
    clientCpuUsPerMessage: clientCpu / delivered,
    after,
  };
}

const latency = (s: Summary) => `${round(s.p50)} / ${round(s.p99)} / ${round(s.max)} ms`;

/** The rows every messaging scenario's table has: sent, delivered, the rate, and the two latencies. */
export function trafficRows(traffic: Traffic, m: TrafficFigures): Record<string, string | number>[] {
  return [
    { figure: 'sent (201)', value: traffic.created },
    { figure: 'delivered', value: traffic.delivered },
    { figure: 'delivered rate', value: `${round(m.deliveredPerSecond, 0)} msg/s` },
    { figure: 'send p50 / p99 / max', value: latency(m.send) },
    { figure: 'delivery p50 / p99 / max', value: latency(m.delivery) },
  ];
}

/** The figures the summary reads from a messaging scenario, as `<scenario>.delivered_per_s` and so on. */
export function trafficFigures(scenario: string, m: TrafficFigures): Figure[] {
  return [
    { key: `${scenario}.delivered_per_s`, value: m.deliveredPerSecond },
    { key: `${scenario}.send_p99_ms`, value: m.send.p99 },
    { key: `${scenario}.delivery_p99_ms`, value: m.delivery.p99 },
    { key: `${scenario}.cpu_us_per_msg`, value: m.cpuUsPerMessage },
  ];
}

/** What the JSON file keeps of a messaging scenario's load, besides the scenario's own settings. */
export function trafficDetails(traffic: Traffic, m: TrafficFigures): Record<string, unknown> {
  return {
    sent: traffic.created,
    delivered: traffic.delivered,
    deliveredPerSecond: m.deliveredPerSecond,
    send: m.send,
    delivery: m.delivery,
    cpuUsPerMessage: m.cpuUsPerMessage,
    clientCpuUsPerMessage: m.clientCpuUsPerMessage,
    errorSamples: traffic.errorSamples,
  };
}
