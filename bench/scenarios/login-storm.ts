/**
 * login-storm: the deliver traffic, first alone and then while 10 new accounts a second sign up (bcrypt in
 * the hash workers). Delivery p99 before and during: hashing must not stall the messages (issue 2).
 */
import { BENCH_PASSWORD } from '../lib/seed.js';
import { sleep, type BenchContext, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { messagingRig, warmUp } from '../lib/setup.js';
import { cdf, round, summarize } from '../lib/stats.js';

export const loginStorm: Scenario = {
  name: 'login-storm',
  summary: 'the deliver load, calm and then with 10 sign-ups/s (bcrypt): delivery p99 before and during',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const users = ctx.quick ? 200 : 1000;
    const rate = ctx.quick ? 200 : 1000;
    const phaseSeconds = ctx.quick ? 2 : 10;
    const signupsPerSecond = 10;
    // Every sign-up comes from 127.0.0.1 here, where real ones come from many addresses: the per-address limit
    // (100 an hour by default) would refuse the 101st of a 10 s storm with a 429.
    const rig = await messagingRig(ctx, 'login-storm', { recipients: users, senders: 100 }, { env: { SIGNUPS_PER_ADDRESS: '0' } });
    try {
      const { traffic, client } = rig;
      ctx.progress(
        `login-storm: ${rate} msg/s to ${users} polls, ${phaseSeconds} s calm then ${phaseSeconds} s with ${signupsPerSecond} sign-ups/s`,
      );
      await warmUp(traffic, rate, ctx.quick ? 1 : 2);
      const calmStart = performance.now();
      await traffic.openLoop(rate, phaseSeconds);
      const stormStart = performance.now();
      const signupLatency: number[] = [];
      let signupErrors = 0;
      const signupErrorSamples: string[] = [];
      const signupFailed = (what: string) => {
        signupErrors++;
        if (signupErrorSamples.length < 10) signupErrorSamples.push(what);
      };
      let stopStorm = false;
      const storm = (async () => {
        const signups: Promise<void>[] = [];
        for (let i = 0; !stopStorm; i++) {
          const due = stormStart + (i * 1000) / signupsPerSecond;
          await sleep(Math.max(0, due - performance.now()));
          if (stopStorm) break;
          const t0 = performance.now();
          signups.push(
            client.login(`new${String(i).padStart(6, '0')}`, BENCH_PASSWORD).then(
              ({ status }) => {
                if (status === 201) signupLatency.push(performance.now() - t0);
                else signupFailed(`sign-up ${status}`);
              },
              (err: unknown) => signupFailed(`sign-up: ${err instanceof Error ? err.message : String(err)}`),
            ),
          );
        }
        await Promise.all(signups);
      })();
      await traffic.openLoop(rate, phaseSeconds);
      stopStorm = true;
      await storm;
      await traffic.settle(5000);
      const calm = traffic.deliveries.filter((d) => d.at >= calmStart && d.at < stormStart).map((d) => d.ms);
      const during = traffic.deliveries.filter((d) => d.at >= stormStart).map((d) => d.ms);
      const calmSummary = summarize(calm);
      const stormSummary = summarize(during);
      const signups = summarize(signupLatency);
      return {
        table: [
          {
            phase: 'calm',
            delivered: calmSummary.count,
            p50_ms: round(calmSummary.p50),
            p99_ms: round(calmSummary.p99),
            max_ms: round(calmSummary.max),
          },
          {
            phase: `${signupsPerSecond} sign-ups/s`,
            delivered: stormSummary.count,
            p50_ms: round(stormSummary.p50),
            p99_ms: round(stormSummary.p99),
            max_ms: round(stormSummary.max),
          },
          {
            phase: 'sign-up (POST /api/session)',
            delivered: signups.count,
            p50_ms: round(signups.p50),
            p99_ms: round(signups.p99),
            max_ms: round(signups.max),
          },
        ],
        figures: [
          { key: 'login-storm.calm_p99_ms', value: calmSummary.p99 },
          { key: 'login-storm.storm_p99_ms', value: stormSummary.p99 },
        ],
        details: {
          users,
          rate,
          phaseSeconds,
          signupsPerSecond,
          calm: calmSummary,
          storm: stormSummary,
          signups,
          signupErrors,
          errorSamples: [...traffic.errorSamples, ...signupErrorSamples],
        },
        charts: {
          'delivery-latency': [
            { name: 'login-storm: delivery, calm', points: cdf(calm) },
            { name: `login-storm: delivery, ${signupsPerSecond} sign-ups/s`, points: cdf(during) },
          ],
        },
        errors: traffic.errors + signupErrors,
      };
    } finally {
      await rig.close();
    }
  },
};
