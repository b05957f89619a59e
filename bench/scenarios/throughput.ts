/**
 * throughput: closed loop, C concurrent senders (default 32) to online recipients: the most durable,
 * session-checked messages a second that reach their recipients, with the latency percentiles at that load.
 */
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import { messagingRig, warmUp } from '../lib/setup.js';
import { cpuMicros, round, summarize } from '../lib/stats.js';

export const throughput: Scenario = {
  name: 'throughput',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const concurrency = 32;
    const users = ctx.quick ? 200 : 1000;
    // Long enough to hold many of the text store's checkpoints and the garbage collections of a steady state:
    // in 10 s windows the same build's throughput differed by 25% from one run to the next (2,220, 2,859 msg/s).
    const seconds = ctx.quick ? 2 : 30;
    const rig = await messagingRig(ctx, 'throughput', { recipients: users, senders: 100 });
    try {
      const { traffic, server } = rig;
      ctx.progress(`throughput: ${concurrency} closed-loop senders to ${users} online recipients for ${seconds} s`);
      await warmUp(traffic, 500, 1);
      const before = server.sample();
      const clientBefore = process.cpuUsage();
      const start = performance.now();
      await traffic.closedLoop(concurrency, seconds);
      const elapsed = (performance.now() - start) / 1000;
      await traffic.settle(5000);
      const after = server.sample();
      const send = summarize(traffic.sendLatency);
      const delivery = summarize(traffic.deliveries.map((d) => d.ms));
      const deliveredPerSecond = traffic.delivered / elapsed;
      const cpuUsPerMessage = ((after.cpuSeconds - before.cpuSeconds) / Math.max(1, traffic.delivered)) * 1e6;
      const clientCpuUsPerMessage = cpuMicros(process.cpuUsage(clientBefore)) / Math.max(1, traffic.delivered);
      return {
        table: [
          { figure: 'senders (closed loop)', value: concurrency },
          { figure: 'sent (201)', value: traffic.created },
          { figure: 'delivered', value: traffic.delivered },
          { figure: 'delivered rate', value: `${round(deliveredPerSecond, 0)} msg/s` },
          { figure: 'send p50 / p99 / max', value: `${round(send.p50)} / ${round(send.p99)} / ${round(send.max)} ms` },
          { figure: 'delivery p50 / p99 / max', value: `${round(delivery.p50)} / ${round(delivery.p99)} / ${round(delivery.max)} ms` },
          { figure: 'server CPU per message', value: `${round(cpuUsPerMessage, 0)} µs` },
          { figure: 'load generator CPU per message', value: `${round(clientCpuUsPerMessage, 0)} µs` },
          { figure: 'errors', value: traffic.errors },
        ],
        figures: [
          { key: 'throughput.delivered_per_s', value: deliveredPerSecond },
          { key: 'throughput.send_p99_ms', value: send.p99 },
          { key: 'throughput.delivery_p99_ms', value: delivery.p99 },
          { key: 'throughput.cpu_us_per_msg', value: cpuUsPerMessage },
        ],
        details: {
          concurrency,
          users,
          seconds,
          sent: traffic.created,
          delivered: traffic.delivered,
          deliveredPerSecond,
          send,
          delivery,
          cpuUsPerMessage,
          clientCpuUsPerMessage,
          errorSamples: traffic.errorSamples,
        },
        errors: traffic.errors,
      };
    } finally {
      await rig.close();
    }
  },
};
