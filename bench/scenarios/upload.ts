/**
 * upload: attachments (issue #18). Senders upload in a closed loop (each sends its next file when the 201 of
 * the last came), half photos that the server re-encodes without their metadata and previews, half other
 * files that it only streams, hashes and keeps; every answer comes once the file is fsynced and recorded.
 * Reports MB/s and uploads/s of each kind, the upload latency, and the server's CPU a MB.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { Pool } from 'undici';
import { sleep, type BenchContext, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { emptyDataDir, names, seedUsers, type SeededUser } from '../lib/seed.js';
import { startServer } from '../lib/server.js';
import { round, summarize } from '../lib/stats.js';

const SENDERS = 4;

/** A 12-megapixel-class phone photo: noise, so it does not compress to nothing, and EXIF to strip. */
async function phonePhoto(width: number, height: number): Promise<Buffer> {
  const noise = randomBytes(width * height * 3);
  return sharp(noise, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'BenchPhone' } })
    .toBuffer();
}

interface Kind {
  label: string;
  body: Buffer;
  name: string;
}

async function runKind(url: string, users: SeededUser[], kind: Kind, seconds: number, serverCpu: () => number) {
  const pool = new Pool(url, { connections: SENDERS, pipelining: 1, bodyTimeout: 120_000, headersTimeout: 120_000 });
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = serverCpu();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    users.slice(0, SENDERS).map(async (user) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const res = await pool.request({
          method: 'POST',
          path: `/api/attachments?name=${encodeURIComponent(kind.name)}`,
          headers: { cookie: user.cookie, 'content-type': 'application/octet-stream', 'content-length': String(kind.body.length) },
          body: kind.body,
        });
        await res.body.text();
        if (res.statusCode === 201) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = serverCpu() - cpuBefore;
  await pool.close();
  const mb = (latencies.length * kind.body.length) / 2 ** 20;
  return { uploads: latencies.length, mb, elapsed, latency: summarize(latencies), cpuSecondsPerMb: cpu / Math.max(mb, 1e-9), errors };
}

export const upload: Scenario = {
  name: 'upload',
  summary:
    '4 senders upload in a closed loop: photos (re-encoded without EXIF, previewed) and plain files; MB/s, uploads/s, latency, CPU a MB',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const seconds = ctx.quick ? 2 : 20;
    const dir = await emptyDataDir('upload');
    const users = await seedUsers(dir, names('u', SENDERS));
    const server = await startServer({ dataDir: dir, profile: ctx.profile, env: { MAX_ATTACHMENT_MB: '25' } });
    try {
      await sleep(500);
      const photo: Kind = { label: 'photo', name: 'photo.jpg', body: await phonePhoto(ctx.quick ? 1600 : 4000, ctx.quick ? 1200 : 3000) };
      // Random bytes: the server cannot tell them from a zip, and stores them as they came.
      const file: Kind = { label: 'file', name: 'backup.bin', body: randomBytes((ctx.quick ? 2 : 8) * 2 ** 20) };
      const table: Record<string, string | number>[] = [];
      const details: Record<string, unknown> = {};
      let errors = 0;
      for (const kind of [photo, file]) {
        ctx.progress(`upload: ${kind.label}s of ${round(kind.body.length / 2 ** 20, 1)} MB for ${seconds} s`);
        const r = await runKind(server.url, users, kind, seconds, () => server.sample().cpuSeconds);
        errors += r.errors;
        details[kind.label] = { bytes: kind.body.length, ...r };
        table.push({
          kind: `${kind.label} (${round(kind.body.length / 2 ** 20, 1)} MB)`,
          'uploads/s': round(r.uploads / r.elapsed, 1),
          'MB/s': round(r.mb / r.elapsed, 1),
          'p50 ms': round(r.latency.p50, 0),
          'p99 ms': round(r.latency.p99, 0),
          'server CPU ms a MB': round(r.cpuSecondsPerMb * 1000, 1),
          errors: r.errors,
        });
      }
      return {
        table,
        figures: [
          { key: 'upload.photo_mb_per_s', value: (table[0]?.['MB/s'] as number | undefined) ?? 0 },
          { key: 'upload.file_mb_per_s', value: (table[1]?.['MB/s'] as number | undefined) ?? 0 },
        ],
        details,
        errors,
      };
    } finally {
      await server.stop();
    }
  },
};
