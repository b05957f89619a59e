/**
 * A rough load run until the benchmark (bench/) has a PostgreSQL mode: 40 users, each sending as fast as it
 * can for 8 s and long-polling at the same time, on two processes on PostgreSQL (`pg2`) or one on the text
 * files (`text`). Prints messages/s and send/delivery latency percentiles.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx test/postgres/load.ts pg2
 */
import { rm } from 'node:fs/promises';
import { freePort } from '../support/free-port.js';
import { createTestSchema, dropTestSchema } from '../support/postgres.js';
import { tempDir } from '../support/server.js';
import { ServerProcess, type ServerProcessOptions } from '../support/server-process.js';
import { Client, onDatabase } from './processes.js';

async function startProcess(options: Partial<ServerProcessOptions> = {}): Promise<ServerProcess> {
  const p = new ServerProcess({ ...options, dataDir: await tempDir('papo-load-'), port: await freePort() });
  await p.start();
  return p;
}

const mode = process.argv[2] ?? 'pg2';
const USERS = 40;
const SECONDS = 8;
async function main() {
  let procs: ServerProcess[];
  let schema: string | undefined;
  if (mode === 'pg2') {
    const s = await createTestSchema();
    schema = s.schema;
    procs = await Promise.all([startProcess(onDatabase(s.url)), startProcess(onDatabase(s.url))]);
  } else {
    procs = [await startProcess()];
  }
  const clients: Client[] = [];
  for (let i = 0; i < USERS; i++) {
    const proc = procs[i % procs.length];
    if (!proc) throw new Error('no process');
    const c = new Client(proc.url);
    await c.call('POST', '/api/session', { username: `user${i}`, password: 'correct horse battery' });
    clients.push(c);
  }
  const lat: number[] = [];
  const deliveries: number[] = [];
  let running = true;
  const receivers = clients.map(async (c) => {
    let cursor = (await c.call('GET', '/api/messages?wait=0')).body.cursor ?? '';
    while (running) {
      const r = await c.call('GET', `/api/messages?wait=2&after=${cursor}`);
      const now = Date.now();
      for (const e of r.body.events ?? []) if (e.type === 'message') deliveries.push(now - Date.parse(e.message.sentAt));
      cursor = r.body.cursor ?? cursor;
    }
  });
  const start = performance.now();
  const senders = clients.map(async (c, i) => {
    for (let n = 0; performance.now() - start < SECONDS * 1000; n++) {
      const t = performance.now();
      const r = await c.call('POST', '/api/messages', { to: `user${(i + 1 + (n % (USERS - 1))) % USERS}`, content: `m${n}` });
      if (r.status === 201) lat.push(performance.now() - t);
    }
  });
  await Promise.all(senders);
  const elapsed = (performance.now() - start) / 1000;
  running = false;
  await Promise.all(receivers);
  const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor(a.length * p)]?.toFixed(1);
  console.log(
    `${mode}: ${lat.length} sends in ${elapsed.toFixed(1)}s = ${(lat.length / elapsed).toFixed(0)} msg/s; send p50 ${pct(lat, 0.5)} ms p99 ${pct(lat, 0.99)} ms; delivery p50 ${pct(deliveries, 0.5)} ms p99 ${pct(deliveries, 0.99)} ms (${deliveries.length} delivered)`,
  );
  await Promise.all(procs.map((p) => p.stop()));
  await Promise.all(procs.map((p) => rm(p.dataDir, { recursive: true, force: true })));
  if (schema) await dropTestSchema(schema);
}
await main();
