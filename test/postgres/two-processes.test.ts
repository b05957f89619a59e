import { describe, expect, it } from 'vitest';
import { BASE_DATABASE_URL, createTestSchema, dropTestSchema } from '../support/postgres.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { serverProcessesPerTest, type ServerProcess } from '../support/server-process.js';
import { Client, onDatabase } from './processes.js';

/**
 * Issue #5's proof: two real server processes on one database. A message sent through A wakes a poll held
 * on B at once (LISTEN/NOTIFY), sessions are shared, and a kill -9 of one process loses nothing that was
 * acknowledged with a 201.
 */
const defer = cleanupAfterEach();
const processes = serverProcessesPerTest();

async function twoProcesses(): Promise<[ServerProcess, ServerProcess]> {
  const { schema, url } = await createTestSchema();
  defer(() => dropTestSchema(schema));
  return Promise.all([processes.start(onDatabase(url)), processes.start(onDatabase(url))]);
}

async function login(base: string, username: string): Promise<Client> {
  const c = new Client(base);
  const res = await c.call('POST', '/api/session', { username, password: 'correct horse battery' });
  expect([200, 201]).toContain(res.status);
  return c;
}

const WAIT_SECONDS = 20;

/** Holds a poll, sends once it is held, and returns how long after the send the poll answered. */
async function wakeTime(
  receiver: Client,
  sender: Client,
  to: string,
  content: string,
): Promise<{ ms: number; content: string | undefined }> {
  const first = await receiver.call('GET', '/api/messages?wait=0');
  const held = receiver.call('GET', `/api/messages?wait=${WAIT_SECONDS}&after=${first.body.cursor ?? ''}`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sentAt = performance.now();
  expect((await sender.call('POST', '/api/messages', { to, content })).status).toBe(201);
  const answer = await held;
  const ms = performance.now() - sentAt;
  const event = answer.body.events?.[0];
  return { ms, content: event?.type === 'message' ? event.message.content : undefined };
}

describe.skipIf(!BASE_DATABASE_URL)('two Papo processes on one PostgreSQL', () => {
  it('when alice on A and bob on B message each other, then each held poll answers at once and sessions work on both', async () => {
    const [a, b] = await twoProcesses();
    const alice = await login(a.url, 'alice');
    const bob = await login(b.url, 'bob');
    // One login, every process: the session lives in PostgreSQL and the generated secret is shared.
    expect((await alice.on(b.url).call('GET', '/api/session')).body).toEqual({ user: { username: 'alice' } });

    const toBob = await wakeTime(bob, alice, 'bob', 'from A to B');
    const toAlice = await wakeTime(alice, bob, 'alice', 'from B to A');
    expect(toBob.content).toBe('from A to B');
    expect(toAlice.content).toBe('from B to A');
    // "At once": far below the 20 s the polls were willing to wait (measured: a few ms).
    expect(toBob.ms).toBeLessThan(1000);
    expect(toAlice.ms).toBeLessThan(1000);
    console.warn(`wake across processes: A->B ${toBob.ms.toFixed(1)} ms, B->A ${toAlice.ms.toFixed(1)} ms`);
  }, 60_000);

  it('when one process is killed -9 mid-load, then every message that got a 201 is readable afterwards', async () => {
    const [a, b] = await twoProcesses();
    const senders = ['sender1', 'sender2', 'sender3', 'sender4'];
    await login(a.url, 'sink');
    const clients = await Promise.all(senders.map((name, i) => login(i % 2 === 0 ? a.url : b.url, name)));
    const acknowledged = new Set<string>();
    let failures = 0;
    let running = true;
    const load = clients.map(async (c, i) => {
      for (let n = 0; running; n++) {
        try {
          const res = await c.call('POST', '/api/messages', { to: 'sink', content: `${senders[i]} #${n}`, clientId: `${senders[i]}-${n}` });
          if (res.status === 201 && res.body.message) acknowledged.add(res.body.message.id);
        } catch {
          failures++; // the process died under this request: it was never acknowledged
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await b.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));
    running = false;
    await Promise.all(load);
    expect(failures).toBeGreaterThan(0);

    const sink = await login(a.url, 'sink');
    const stored = new Set<string>();
    let before: string | null | undefined;
    do {
      const page = await sink.call('GET', `/api/history?limit=200${before ? `&before=${before}` : ''}`);
      for (const m of page.body.messages ?? []) stored.add(m.id);
      before = page.body.before;
    } while (before);
    const lost = [...acknowledged].filter((id) => !stored.has(id));
    expect(acknowledged.size).toBeGreaterThan(50);
    expect(lost).toEqual([]);
    console.warn(
      `kill -9 under load: ${acknowledged.size} acknowledged, ${stored.size} stored, ${lost.length} lost, ${failures} failed requests`,
    );
  }, 60_000);
});
