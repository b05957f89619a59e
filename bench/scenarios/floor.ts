/**
 * floor: the deliver and throughput loads, from the same load generator, against the floor (bench/floor/):
 * Node's own `http` answering the same sends and polls with the least work, in memory or with a group commit
 * and fdatasync per batch. What the protocol alone costs on this machine today, for reading Papo's figures:
 * the machines they come from differ by up to 2.5x from day to day, and the targets are absolute (issue #4).
 */
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import type { ServerUnderTest, TrafficFigures } from '../lib/setup.js';
import { cdf, round } from '../lib/stats.js';
import { deliverLoad } from './deliver.js';
import { throughputLoad } from './throughput.js';

const ENTRY = 'bench/floor/floor-server.ts';

/**
 * In memory; durable (a group commit, one fdatasync a batch, before the 201 and the wake); durable with Papo's
 * answer headers; durable with receipts (the acknowledgement's write too, synced before the poll goes on);
 * and with Papo's records in Papo's files (floor-records.ts), its session cookie and headers.
 */
const VARIANTS: (ServerUnderTest & { key: string })[] = [
  { key: 'memory', name: 'floor, in memory', entry: ENTRY, env: { FLOOR_DURABLE: '0' } },
  { key: 'durable', name: 'floor, durable', entry: ENTRY, env: { FLOOR_DURABLE: '1' } },
  { key: 'durable_headers', name: "floor, durable, Papo's headers", entry: ENTRY, env: { FLOOR_DURABLE: '1', FLOOR_HEADERS: 'papo' } },
  { key: 'durable_receipts', name: 'floor, durable, receipts', entry: ENTRY, env: { FLOOR_DURABLE: '1', FLOOR_RECEIPTS: '1' } },
  { key: 'papo_work', name: "floor, Papo's records", entry: ENTRY, env: { FLOOR_WORK: 'papo' } },
];

const ms = (v: number) => `${round(v)} ms`;

function row(variant: string, load: string, m: TrafficFigures) {
  return {
    server: variant,
    load,
    'delivered/s': round(m.deliveredPerSecond, 0),
    'delivery p50 / p99': `${ms(m.delivery.p50)} / ${ms(m.delivery.p99)}`,
    'send p99': ms(m.send.p99),
    'server CPU/msg': `${round(m.cpuUsPerMessage, 0)} µs`,
    'load generator CPU/msg': `${round(m.clientCpuUsPerMessage, 0)} µs`,
  };
}

export const floor: Scenario = {
  name: 'floor',
  summary: "the deliver and throughput loads against Node's own http doing the least: what the protocol costs here",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    // --quick checks that the floor runs: the durable variant, and the one with Papo's records (its own code).
    const variants = ctx.quick ? VARIANTS.filter((v) => v.key === 'durable' || v.key === 'papo_work') : VARIANTS;
    const table: Record<string, string | number>[] = [];
    const figures: ScenarioResult['figures'] = [];
    const details: Record<string, unknown> = {};
    const charts: NonNullable<ScenarioResult['charts']> = { 'delivery-latency': [] };
    let errors = 0;
    for (const variant of variants) {
      const d = await deliverLoad(ctx, variant);
      const t = await throughputLoad(ctx, variant);
      table.push(row(variant.name, `deliver ${d.rate}/s`, d.m), row(variant.name, `throughput, ${t.concurrency} senders`, t.m));
      for (const [load, m] of [
        ['deliver', d.m],
        ['throughput', t.m],
      ] as const) {
        figures.push(
          { key: `floor.${variant.key}.${load}.delivered_per_s`, value: m.deliveredPerSecond },
          { key: `floor.${variant.key}.${load}.delivery_p99_ms`, value: m.delivery.p99 },
          { key: `floor.${variant.key}.${load}.cpu_us_per_msg`, value: m.cpuUsPerMessage },
        );
      }
      details[variant.key] = { deliver: { ...d.m, after: undefined }, throughput: { ...t.m, after: undefined } };
      if (variant.key === 'durable') {
        charts['delivery-latency']?.push({
          name: `floor, durable: delivery (${d.rate}/s)`,
          points: cdf(d.traffic.deliveries.map((x) => x.ms)),
        });
      }
      errors += d.traffic.errors + t.traffic.errors;
    }
    return { table, figures, details, charts, errors };
  },
};
