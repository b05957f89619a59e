import { rm } from 'node:fs/promises';
import { createClient, type ApiClient } from './client.js';
import type { BenchContext } from './scenario.js';
import { emptyDataDir, names, seedUsers, type SeededUser } from './seed.js';
import { startServer, type BenchServer } from './server.js';
import { Traffic } from './traffic.js';

export interface MessagingRig {
  server: BenchServer;
  client: ApiClient;
  traffic: Traffic;
  senders: SeededUser[];
  recipients: SeededUser[];
  close(): Promise<void>;
}

/** A server on a fresh folder with `recipients` online users (each holding a poll) and `senders` users. */
export async function messagingRig(
  ctx: BenchContext,
  name: string,
  counts: { recipients: number; senders: number },
  env: Record<string, string> = {},
): Promise<MessagingRig> {
  const dir = await emptyDataDir(name);
  const recipients = await seedUsers(dir, names('r', counts.recipients));
  const senders = await seedUsers(dir, names('s', counts.senders));
  const server = await startServer({ dataDir: dir, cpuProfileDir: ctx.cpuProfileDir, env });
  const client = createClient(server.url, { pollConnections: counts.recipients + 16, connections: 256 });
  const traffic = new Traffic(client, senders, recipients);
  await traffic.startPollers();
  return {
    server,
    client,
    traffic,
    senders,
    recipients,
    async close() {
      // Polls first: a server stopped under them would have them record refused connections as errors.
      await traffic.stopPollers();
      await server.stop();
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Warm-up: a little traffic before measuring, so the JIT and the lazily opened files are in place. */
export async function warmUp(traffic: Traffic, rate: number, seconds: number): Promise<void> {
  await traffic.openLoop(rate, seconds);
  await traffic.settle(5000);
  traffic.reset();
}
