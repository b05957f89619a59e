/**
 * idle: N held long-polls (default 10,000) and what they cost the server in memory: RSS before and while
 * they are held, and RSS per poll above that idle baseline. A user may hold 5 polls at once (MAX_POLLS_PER_USER),
 * so N polls come from N/5 users.
 *
 * RSS is read twice with the polls held: 2 s after the last one was, and settled, once they have been held
 * until HELD_FOR_MS after the first went out. Right after the ramp it still holds the ramp's garbage in a
 * young generation that grew for it (up to 3 x the semi-space size); V8's memory reducer gives that back
 * once allocation stops, 20 to 30 s later in our runs. The target is judged on the settled figure: the
 * memory the held polls themselves keep.
 */
import { rm } from 'node:fs/promises';
import { createClient } from '../lib/client.js';
import { sleep, type BenchContext, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { emptyDataDir, names, seedUsers } from '../lib/seed.js';
import { startServer } from '../lib/server.js';
import { round } from '../lib/stats.js';

export const POLLS_PER_USER = 5;
export const idlePolls = (quick: boolean) => (quick ? 1000 : 10_000);
/** The polls wait 50 s, the longest the API allows: the settled reading comes before the first ones end. */
const POLL_WAIT_SECONDS = 50;
const HELD_FOR_MS = 45_000;

export const idle: Scenario = {
  name: 'idle',
  summary: "10,000 held long-polls: the server's RSS a poll above its idle baseline, 2 s after the ramp and settled",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const polls = idlePolls(ctx.quick);
    const dir = await emptyDataDir('idle');
    const users = await seedUsers(dir, names('i', Math.ceil(polls / POLLS_PER_USER)));
    const server = await startServer({ dataDir: dir, profile: ctx.profile });
    const client = createClient(server.url, { pollConnections: polls + 16 });
    const stop = new AbortController();
    let errors = 0;
    try {
      ctx.progress(`idle: ${polls} held polls from ${users.length} users`);
      await sleep(1000);
      const baseline = server.sample();
      const firstSent = performance.now();
      const held: Promise<void>[] = [];
      const BATCH = 500;
      for (let i = 0; i < polls; i++) {
        const user = users[i % users.length];
        if (!user) break;
        held.push(
          client.poll(user, undefined, POLL_WAIT_SECONDS, stop.signal).then(
            ({ status }) => void (status !== 200 && errors++),
            () => void (stop.signal.aborted || errors++),
          ),
        );
        if ((i + 1) % BATCH === 0) {
          while ((await client.heldPolls()) < i + 1 - errors) await sleep(20);
        }
      }
      while ((await client.heldPolls()) < polls - errors) await sleep(20);
      await sleep(2000);
      const afterRamp = server.sample();
      if (!ctx.quick) await sleep(Math.max(0, firstSent + HELD_FOR_MS - performance.now()));
      const loaded = server.sample();
      const heldCount = await client.heldPolls();
      const perPoll = (sample: { rssBytes: number }) => (sample.rssBytes - baseline.rssBytes) / heldCount / 1024;
      const perPollKb = perPoll(loaded);
      const settledAfter = round((performance.now() - firstSent) / 1000, 0);
      stop.abort();
      await Promise.all(held);
      return {
        table: [
          { figure: 'held polls', value: heldCount },
          { figure: 'RSS idle baseline', value: `${round(baseline.rssBytes / 2 ** 20, 1)} MiB` },
          {
            figure: 'RSS 2 s after the last poll was held',
            value: `${round(afterRamp.rssBytes / 2 ** 20, 1)} MiB (${round(perPoll(afterRamp), 2)} KB a poll)`,
          },
          {
            figure: `RSS settled (${settledAfter} s after the first${ctx.quick ? '; --quick does not wait' : ''})`,
            value: `${round(loaded.rssBytes / 2 ** 20, 1)} MiB`,
          },
          { figure: 'RSS per held poll, settled', value: `${round(perPollKb, 2)} KB` },
          { figure: 'errors', value: errors },
        ],
        figures: [{ key: 'idle.rss_kb_per_poll', value: perPollKb }],
        details: {
          polls,
          users: users.length,
          heldCount,
          baselineRss: baseline.rssBytes,
          afterRampRss: afterRamp.rssBytes,
          loadedRss: loaded.rssBytes,
          settledAfterSeconds: settledAfter,
          perPollKb,
        },
        errors,
      };
    } finally {
      await server.stop();
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
