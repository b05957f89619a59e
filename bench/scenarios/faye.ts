/**
 * faye: the deliver and throughput loads, from the same load generator with the same users, rates and windows,
 * against the peer of issue #20: Faye 1.4 (bench/faye/), the Bayeux server a person would pick instead, in
 * memory, long-polling. Papo's figures are read as ratios to its figures and to the durable floor's
 * (bench/lib/ratios.ts), printed at the end of each run.
 */
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import type { ServerUnderTest, TrafficFigures } from '../lib/setup.js';
import { cdf, round } from '../lib/stats.js';
import { deliverLoad } from './deliver.js';
import { throughputLoad } from './throughput.js';

export const FAYE: ServerUnderTest = { name: 'Faye 1.4, in memory', entry: 'bench/faye/faye-server.ts', env: {}, protocol: 'bayeux' };

const ms = (v: number) => `${round(v)} ms`;

function row(load: string, m: TrafficFigures) {
  return {
    load,
    'delivered/s': round(m.deliveredPerSecond, 0),
    'delivery p50 / p99': `${ms(m.delivery.p50)} / ${ms(m.delivery.p99)}`,
    'send p99': ms(m.send.p99),
    'server CPU/msg': `${round(m.cpuUsPerMessage, 0)} µs`,
    'load generator CPU/msg': `${round(m.clientCpuUsPerMessage, 0)} µs`,
  };
}

export const faye: Scenario = {
  name: 'faye',
  summary: 'the deliver and throughput loads against Faye 1.4 (Bayeux long-poll, in memory): the peer of issue #20',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const d = await deliverLoad(ctx, FAYE);
    const t = await throughputLoad(ctx, FAYE);
    const figures: ScenarioResult['figures'] = [];
    for (const [load, m] of [
      ['deliver', d.m],
      ['throughput', t.m],
    ] as const) {
      figures.push(
        { key: `faye.${load}.delivered_per_s`, value: m.deliveredPerSecond },
        { key: `faye.${load}.delivery_p50_ms`, value: m.delivery.p50 },
        { key: `faye.${load}.delivery_p99_ms`, value: m.delivery.p99 },
        { key: `faye.${load}.cpu_us_per_msg`, value: m.cpuUsPerMessage },
      );
    }
    return {
      table: [row(`deliver ${d.rate}/s`, d.m), row(`throughput, ${t.concurrency} senders`, t.m)],
      figures,
      details: {
        deliver: { rate: d.rate, users: d.users, ...d.m, after: undefined },
        throughput: { concurrency: t.concurrency, users: t.users, ...t.m, after: undefined },
        errorSamples: [...d.traffic.errorSamples, ...t.traffic.errorSamples],
      },
      charts: { 'delivery-latency': [{ name: `Faye: delivery (${d.rate}/s)`, points: cdf(d.traffic.deliveries.map((x) => x.ms)) }] },
      errors: d.traffic.errors + t.traffic.errors,
    };
  },
};
