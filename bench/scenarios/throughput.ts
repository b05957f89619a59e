/**
 * throughput: closed loop, C concurrent senders (default 32) to online recipients: the most durable,
 * session-checked messages a second that reach their recipients, with the latency percentiles at that load.
 */
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
import { round } from '../lib/stats.js';

/** The throughput load against Papo, or against `target` (the floor). */
export async function throughputLoad(ctx: BenchContext, target?: ServerUnderTest) {
  const concurrency = 32;
  const users = ctx.quick ? 200 : 1000;
  const seconds = loadSeconds(ctx);
  const rig = await messagingRig(ctx, 'throughput', { recipients: users, senders: 100 }, { target });
  try {
    const { traffic, server } = rig;
    ctx.progress(
      `throughput${target ? ` (${target.name})` : ''}: ${concurrency} closed-loop senders to ${users} online recipients for ${seconds} s`,
    );
    await warmUp(traffic, 500, 1);
    const m = await measureTraffic(traffic, [server], () => traffic.closedLoop(concurrency, seconds));
    return { concurrency, users, seconds, traffic, m };
  } finally {
    await rig.close();
  }
}

export const throughput: Scenario = {
  name: 'throughput',
  summary: '32 closed-loop senders to online recipients: the most durable, session-checked msg/s, and latency at that load',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { concurrency, users, seconds, traffic, m } = await throughputLoad(ctx);
    return {
      table: [
        { figure: 'senders (closed loop)', value: concurrency },
        ...trafficRows(traffic, m),
        { figure: 'server CPU per message', value: `${round(m.cpuUsPerMessage, 0)} µs` },
        { figure: 'load generator CPU per message', value: `${round(m.clientCpuUsPerMessage, 0)} µs` },
        { figure: 'errors', value: traffic.errors },
      ],
      figures: trafficFigures('throughput', m),
      details: {
        concurrency,
        users,
        seconds,
        ...trafficDetails(traffic, m),
      },
      errors: traffic.errors,
    };
  },
};
