/**
 * deliver: U users each hold a long-poll; senders offer R messages a second for T seconds (issue 4). The
 * rate achieved, send latency (until the 201: durable), delivery latency (send start to the recipient's poll
 * answer), errors, and the server's CPU seconds per 1,000 messages.
 */
import { at } from '../lib/at.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import {
  loadSeconds,
  measureTraffic,
  messagingRig,
  trafficDetails,
  trafficFigures,
  trafficRows,
  warmUp,
  type ServerUnderTest,
} from '../lib/setup.js';
import { cdf, round } from '../lib/stats.js';

/** The deliver load against Papo, or against `target` (the floor). */
export async function deliverLoad(ctx: BenchContext, target?: ServerUnderTest) {
  const users = ctx.quick ? 200 : 1000;
  const rate = ctx.quick ? 200 : 1000;
  const seconds = loadSeconds(ctx);
  const rig = await messagingRig(ctx, 'deliver', { recipients: users, senders: 100 }, { target });
  try {
    const { traffic, server } = rig;
    ctx.progress(`deliver${target ? ` (${target.name})` : ''}: ${users} held polls, ${rate} msg/s for ${seconds} s`);
    await warmUp(traffic, rate, ctx.quick ? 1 : 2);
    const m = await measureTraffic(traffic, [server], () => traffic.openLoop(rate, seconds));
    return { users, rate, seconds, traffic, m };
  } finally {
    await rig.close();
  }
}

export const deliver: Scenario = {
  name: 'deliver',
  summary: '1,000 held long-polls while senders offer 1,000 msg/s: the rate, send and delivery latency, CPU a message',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { users, rate, seconds, traffic, m } = await deliverLoad(ctx);
    const after = at(m.after, 0);
    return {
      table: [
        { figure: 'offered', value: `${rate} msg/s x ${seconds} s` },
        ...trafficRows(traffic, m),
        { figure: 'server CPU per 1,000 msgs', value: `${round(m.cpuUsPerMessage / 1000, 3)} s (${round(m.cpuUsPerMessage, 0)} µs/msg)` },
        { figure: 'load generator CPU per message', value: `${round(m.clientCpuUsPerMessage, 0)} µs` },
        { figure: 'server RSS', value: `${round(after.rssBytes / 2 ** 20, 1)} MiB` },
        { figure: 'errors', value: traffic.errors },
      ],
      figures: [
        { key: 'deliver.offered_per_s', value: rate },
        { key: 'deliver.delivered_fraction', value: traffic.delivered / Math.round(rate * seconds) },
        ...trafficFigures('deliver', m),
        { key: 'deliver.delivery_p50_ms', value: m.delivery.p50 },
      ],
      details: {
        users,
        rate,
        seconds,
        ...trafficDetails(traffic, m),
        rssBytes: after.rssBytes,
      },
      charts: {
        'delivery-latency': [
          { name: `deliver: delivery (${rate}/s, ${users} polls)`, points: cdf(traffic.deliveries.map((d) => d.ms)) },
          { name: 'deliver: send until 201', points: cdf(traffic.sendLatency) },
        ],
      },
      errors: traffic.errors,
    };
  },
};
