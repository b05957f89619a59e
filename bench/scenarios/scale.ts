/**
 * scale: the cost as the data grows. The newest history page and a page deep in the past for a user with
 * 10k, 100k and 1M history lines; the server's start time and RSS with 10k, 100k and 1M undelivered queued
 * messages. The folders are written directly in the text format (bench/lib/seed.ts): a million lines through
 * HTTP would take longer than the whole benchmark.
 */
import { rm } from 'node:fs/promises';
import { createClient } from '../lib/client.js';
import type { BenchContext, Figure, Scenario, ScenarioResult } from '../lib/scenario.js';
import { emptyDataDir, names, seedHistory, seedQueue, seedUsers } from '../lib/seed.js';
import { startServer } from '../lib/server.js';
import { round, summarize } from '../lib/stats.js';

const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

async function historyAt(ctx: BenchContext, lines: number, requests: number) {
  const dir = await emptyDataDir(`history-${label(lines)}`);
  const peers = names('p', 10);
  const [alice] = await seedUsers(dir, ['alice', ...peers]);
  if (!alice) throw new Error('no user');
  await seedHistory(dir, 'alice', peers, lines);
  const server = await startServer({ dataDir: dir, profile: ctx.profile });
  const client = createClient(server.url, { pollConnections: 1, connections: 1 });
  let errors = 0;
  const timed = async (path: string) => {
    const t0 = performance.now();
    const { status } = await client.get(path, alice);
    if (status !== 200) errors++;
    return performance.now() - t0;
  };
  try {
    // The first request loads and indexes the file; the pages after it are what a user waits for.
    const firstMs = await timed('/api/history?limit=50');
    const newest: number[] = [];
    const deep: number[] = [];
    const deepBefore = Math.max(2, Math.floor(lines / 100));
    for (let i = 0; i < requests; i++) {
      newest.push(await timed('/api/history?limit=50'));
      deep.push(await timed(`/api/history?limit=50&before=${deepBefore}`));
    }
    return { lines, firstMs, newest: summarize(newest), deep: summarize(deep), rssBytes: server.sample().rssBytes, errors };
  } finally {
    await server.stop();
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function startWith(ctx: BenchContext, queued: number) {
  const dir = await emptyDataDir(`queue-${label(queued)}`);
  const senders = names('s', 100);
  const recipients = names('r', 1000);
  await seedUsers(dir, [...senders, ...recipients]);
  if (queued > 0) await seedQueue(dir, senders, recipients, queued);
  const server = await startServer({ dataDir: dir, profile: ctx.profile, startTimeoutMs: 300_000 });
  try {
    return { queued, startMs: server.startMs, rssBytes: server.sample().rssBytes };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const scale: Scenario = {
  name: 'scale',
  summary: 'history pages of 10k/100k/1M lines, and start time and RSS with 10k/100k/1M queued messages',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const sizes = ctx.quick ? [10_000] : [10_000, 100_000, 1_000_000];
    const requests = ctx.quick ? 20 : 100;
    const histories = [];
    for (const lines of sizes) {
      ctx.progress(`scale: history of ${label(lines)} lines`);
      histories.push(await historyAt(ctx, lines, requests));
    }
    const starts = [];
    for (const queued of [0, ...sizes]) {
      ctx.progress(`scale: start with ${label(queued)} queued messages`);
      starts.push(await startWith(ctx, queued));
    }
    const figures: Figure[] = [];
    for (const h of histories) {
      figures.push({ key: `scale.history_${label(h.lines)}.newest_p50_ms`, value: h.newest.p50 });
      figures.push({ key: `scale.history_${label(h.lines)}.deep_p50_ms`, value: h.deep.p50 });
    }
    for (const s of starts) figures.push({ key: `scale.start_${label(s.queued)}_queued_ms`, value: s.startMs });
    return {
      table: [
        ...histories.map((h) => ({
          data: `history ${label(h.lines)} lines`,
          'first request (load)': `${round(h.firstMs, 1)} ms`,
          'newest page p50 / p99': `${round(h.newest.p50)} / ${round(h.newest.p99)} ms`,
          'deep page p50 / p99': `${round(h.deep.p50)} / ${round(h.deep.p99)} ms`,
          RSS: `${round(h.rssBytes / 2 ** 20, 1)} MiB`,
        })),
        ...starts.map((s) => ({
          data: `queue ${label(s.queued)} undelivered`,
          'first request (load)': `start ${round(s.startMs, 0)} ms`,
          'newest page p50 / p99': '',
          'deep page p50 / p99': '',
          RSS: `${round(s.rssBytes / 2 ** 20, 1)} MiB`,
        })),
      ],
      figures,
      details: { histories, starts },
      charts: {
        'scale-history': [
          { name: 'newest page p50', points: histories.map((h) => [h.lines, h.newest.p50] as const) },
          { name: 'deep page p50', points: histories.map((h) => [h.lines, h.deep.p50] as const) },
          { name: 'first request (loads the file)', points: histories.map((h) => [h.lines, h.firstMs] as const) },
        ],
        'scale-start': [
          {
            name: 'start until /healthz answers (ms)',
            points: starts.filter((s) => s.queued > 0).map((s) => [s.queued, s.startMs] as const),
          },
          {
            name: 'RSS after start (MiB)',
            points: starts.filter((s) => s.queued > 0).map((s) => [s.queued, s.rssBytes / 2 ** 20] as const),
          },
        ],
      },
      errors: histories.reduce((n, h) => n + h.errors, 0),
    };
  },
};
