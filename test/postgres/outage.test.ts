import { describe, expect, it } from 'vitest';
import { BASE_DATABASE_URL, adminQuery, schemaOf } from '../support/postgres.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Client } from './processes.js';
import { TcpProxy } from './tcp-proxy.js';

const defer = cleanupAfterEach();

async function server(options: { viaProxy?: TcpProxy } = {}): Promise<TestServer> {
  let databaseUrl: string | undefined;
  let dataDir: string | undefined;
  if (options.viaProxy && BASE_DATABASE_URL) {
    const first = await startTestServer({ store: 'postgres' });
    await first.stop();
    const u = new URL(first.databaseUrl ?? '');
    u.hostname = '127.0.0.1';
    u.port = String(options.viaProxy.port);
    databaseUrl = u.toString();
    dataDir = first.dataDir;
    // Dropping the schema goes through destroy() of the server below, on the same schema.
  }
  const s = await startTestServer({ store: 'postgres', ...(databaseUrl ? { databaseUrl } : {}), ...(dataDir ? { dataDir } : {}) });
  defer(() => s.destroy());
  return s;
}

async function login(base: string, username: string): Promise<Client> {
  const c = new Client(base);
  expect((await c.call('POST', '/api/session', { username, password: 'correct horse battery' })).status).toBe(201);
  return c;
}

async function heldPollAnswers(receiver: Client, act: () => Promise<void>): Promise<{ ms: number; events: number }> {
  const first = await receiver.call('GET', '/api/messages?wait=0');
  const held = receiver.call('GET', `/api/messages?wait=20&after=${first.body.cursor ?? ''}`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const start = performance.now();
  await act();
  const answer = await held;
  return { ms: performance.now() - start, events: answer.body.events?.length ?? 0 };
}

describe.skipIf(!BASE_DATABASE_URL)('PostgreSQL connections that fail', () => {
  it('when the LISTEN connection is terminated while a poll is held, then a message sent meanwhile still wakes it', async () => {
    const s = await server();
    // Alice sends through a second process on the same database: the process holding Bob's poll learns of her
    // message only through NOTIFY (its own writes it wakes for itself, issue #16).
    const other = await startTestServer({ store: 'postgres', ...(s.databaseUrl ? { databaseUrl: s.databaseUrl } : {}) });
    defer(() => other.stop());
    const alice = await login(other.url, 'alice');
    const bob = await login(s.url, 'bob');
    const appName = `papo-listen ${schemaOf(s.databaseUrl ?? '')}`;
    const woke = await heldPollAnswers(bob, async () => {
      const killed = await adminQuery<{ ok: boolean }>(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
        [appName],
      );
      // Both processes' LISTEN connections: Bob's process must catch up on what it missed.
      expect(killed).toEqual([{ ok: true }, { ok: true }]);
      // Sent while nobody listens: its NOTIFY is lost, the catch-up after the reconnect must find it.
      expect((await alice.call('POST', '/api/messages', { to: 'bob', content: 'in the gap' })).status).toBe(201);
    });
    expect(woke.events).toBe(1);
    expect(woke.ms).toBeLessThan(5000);
    await expect.poll(() => s.log.text()).toContain('LISTEN connection to PostgreSQL re-established');
    // And the new connection carries the next message as usual.
    const next = await heldPollAnswers(bob, async () => {
      await alice.call('POST', '/api/messages', { to: 'bob', content: 'after' });
    });
    expect(next).toMatchObject({ events: 1 });
    expect(next.ms).toBeLessThan(1000);
  }, 30_000);

  it('when PostgreSQL goes away, then requests get 503 unavailable, and when it returns the server works again by itself', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(BASE_DATABASE_URL ?? 'postgres://x').port || 5432));
    await proxy.start();
    defer(() => proxy.cut());
    const s = await server({ viaProxy: proxy });
    const alice = await login(s.url, 'alice');
    const bob = await login(s.url, 'bob');

    await proxy.cut();
    const down = await alice.call('POST', '/api/messages', { to: 'bob', content: 'during the outage' });
    expect(down.status).toBe(503);
    expect(down.body.error?.code).toBe('unavailable');
    expect((await bob.call('GET', '/api/messages?wait=0')).status).toBe(503);
    const errors = /^papo_store_errors_total (\d+)$/m.exec(await (await fetch(`${s.url}/metrics`)).text());
    expect(Number(errors?.[1])).toBeGreaterThan(0);

    await proxy.restore();
    // The pool reconnects on demand; the LISTEN connection with its backoff. Nothing to restart.
    await expect
      .poll(async () => (await alice.call('POST', '/api/messages', { to: 'bob', content: 'after the outage' })).status, { timeout: 10_000 })
      .toBe(201);
    await expect.poll(() => s.log.text(), { timeout: 10_000 }).toContain('LISTEN connection to PostgreSQL re-established');
    const woke = await heldPollAnswers(bob, async () => {
      await alice.call('POST', '/api/messages', { to: 'bob', content: 'live again' });
    });
    expect(woke.ms).toBeLessThan(1000);
    expect(woke.events).toBeGreaterThan(0);
  }, 60_000);
});
