/**
 * Ending a session ends its held polls (issue #15, item 5). A poll held by a session kept delivering after that
 * session logged out (up to 50 s a poll, five polls). Now a logout, and the end of a session's lifetime, answer
 * that session's held polls at once with no events, so the client's next poll gets its 401; on PostgreSQL the
 * end reaches the polls held by every process (LISTEN/NOTIFY), even across a lost LISTEN connection.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PollResponse } from '../../api/contract.js';
import { LongPollHub } from '../../api/messaging/long-poll.js';
import { Client, onDatabase } from '../postgres/processes.js';
import { TcpProxy } from '../postgres/tcp-proxy.js';
import { specAgent, type SpecAgent } from '../support/contract.js';
import { BASE_DATABASE_URL, createTestSchema, dropTestSchema } from '../support/postgres.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { STORES, startTestServer, testServers, type StoreKind } from '../support/server.js';
import { serverProcessesPerTest } from '../support/server-process.js';
import { PASSWORD, poll, send } from '../support/users.js';

const DAY = 24 * 60 * 60 * 1000;
const defer = cleanupAfterEach();
const servers = testServers();
const processes = serverProcessesPerTest();
afterEach(() => {
  vi.useRealTimers();
});
const start = (store: StoreKind, env: Record<string, string> = {}) => servers.start({ store, env });

/** Logs in a new device of `username`: its own session. */
async function device(url: string, username: string): Promise<SpecAgent> {
  const d = specAgent(url);
  const res = await d.post('/api/session').send({ username, password: PASSWORD });
  expect([200, 201]).toContain(res.status);
  return d;
}

/** Holds a 30 s poll after the current cursor; resolves with the answer and when it came (ms since held). */
async function hold(d: SpecAgent): Promise<{ answered: Promise<{ status: number; body: PollResponse; ms: number }>; cursor: string }> {
  const { cursor } = await poll(d);
  const heldAt = performance.now();
  const answered = d
    .get(`/api/messages?wait=30&after=${encodeURIComponent(cursor)}`)
    .then((res) => ({ status: res.status, body: res.body as PollResponse, ms: performance.now() - heldAt }));
  // Held once the server has it waiting: give the request time to arrive and acknowledge.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { answered, cursor };
}

const settled = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe.each(STORES)('ending a session (%s store)', (store) => {
  it('when a session logs out, then its held poll answers at once with no events, the next poll is 401, and the other session of that user keeps waiting', async () => {
    const s = await start(store);
    const phone = await device(s.url, 'alice');
    const laptop = await device(s.url, 'alice');
    const bruno = await device(s.url, 'bruno');
    const onPhone = await hold(phone);
    const onLaptop = await hold(laptop);

    const loggedOutAt = performance.now();
    await phone.delete('/api/session').expect(204);
    const answer = await onPhone.answered;
    expect(answer.status).toBe(200);
    expect(answer.body.events).toEqual([]);
    expect(performance.now() - loggedOutAt).toBeLessThan(1000);
    await phone.get(`/api/messages?wait=0&after=${encodeURIComponent(answer.body.cursor)}`).expect(401);

    // The laptop's session is another one: its poll is still held, and still delivers.
    expect(await settled(onLaptop.answered, 1000)).toBe(false);
    await send(bruno, 'alice', 'still here');
    const laptopAnswer = await onLaptop.answered;
    expect(laptopAnswer.body.events.map((e) => (e.type === 'message' ? e.message.content : e.type))).toContain('still here');
  });

  it('when a held poll reaches the end of its session (SESSION_MAX_DAYS), then it is answered then, not when its wait runs out', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date('2030-01-01T00:00:00Z').getTime();
    vi.setSystemTime(t0);
    const s = await start(store, { SESSION_MAX_DAYS: '1' });
    const alice = await device(s.url, 'alice');
    // 1.5 s before the session's absolute end; the poll is willing to wait 30 s.
    vi.setSystemTime(t0 + DAY - 1500);
    const held = await hold(alice);
    const answer = await held.answered;
    expect(answer.status).toBe(200);
    expect(answer.body.events).toEqual([]);
    expect(answer.ms).toBeGreaterThan(1000);
    expect(answer.ms).toBeLessThan(4000);
    vi.setSystemTime(t0 + DAY + 1000);
    const after = await alice.get(`/api/messages?wait=0&after=${encodeURIComponent(answer.body.cursor)}`).expect(401);
    expect(after.body.error.message).toMatch(/expired/);
  });
});

describe('the hub', () => {
  it('when a session ended just before its poll was held (a logout racing the poll), then the poll ends at once', async () => {
    const hub = new LongPollHub({ perUser: 5, total: 10 });
    const other = hub.hold('alice', 'session-b', 30_000);
    hub.endSessions(['session-a']);
    const late = hub.hold('alice', 'session-a', 30_000);
    expect(await late.next()).toBe('session-ended');
    expect(hub.held).toBe(1);
    expect([...hub.heldSessions()]).toEqual(['session-b']);
    other.finish('answered');
  });
});

describe.skipIf(!BASE_DATABASE_URL)('ending a session on several PostgreSQL processes', () => {
  it('when alice logs out through process A, then her poll held on process B answers within a second', async () => {
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    const [a, b] = await Promise.all([processes.start(onDatabase(url)), processes.start(onDatabase(url))]);
    const alice = new Client(a.url);
    expect((await alice.call('POST', '/api/session', { username: 'alice', password: PASSWORD })).status).toBe(201);
    const onB = alice.on(b.url);
    const first = await onB.call('GET', '/api/messages?wait=0');
    const heldAt = performance.now();
    const held = onB.call('GET', `/api/messages?wait=30&after=${first.body.cursor ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const loggedOutAt = performance.now();
    expect((await alice.call('DELETE', '/api/session')).status).toBe(204);
    const answer = await held;
    const ms = performance.now() - loggedOutAt;
    expect(answer.status).toBe(200);
    expect(answer.body.events).toEqual([]);
    expect(ms).toBeLessThan(1000);
    expect(performance.now() - heldAt).toBeLessThan(5000);
    expect((await onB.call('GET', `/api/messages?wait=0&after=${answer.body.cursor ?? ''}`)).status).toBe(401);
    console.warn(`logout on A ended the poll held on B in ${ms.toFixed(1)} ms`);
  }, 90_000);

  it("when process B's LISTEN connection is down while alice logs out, then B ends her poll once it is back (the catch-up)", async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(BASE_DATABASE_URL ?? 'postgres://x').port || 5432));
    await proxy.start();
    defer(() => proxy.cut());
    const a = await start('postgres');
    const viaProxy = new URL(a.databaseUrl ?? '');
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const b = await startTestServer({ store: 'postgres', databaseUrl: viaProxy.toString() });
    defer(() => b.stop());

    const alice = new Client(a.url);
    expect((await alice.call('POST', '/api/session', { username: 'alice', password: PASSWORD })).status).toBe(201);
    const onB = alice.on(b.url);
    const first = await onB.call('GET', '/api/messages?wait=0');
    const held = onB.call('GET', `/api/messages?wait=30&after=${first.body.cursor ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 300));

    await proxy.cut();
    expect((await alice.call('DELETE', '/api/session')).status).toBe(204);
    // B heard nothing: its poll is still held.
    expect(await settled(held, 1000)).toBe(false);
    const restoredAt = performance.now();
    await proxy.restore();
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.body.events).toEqual([]);
    expect(performance.now() - restoredAt).toBeLessThan(10_000);
    await expect.poll(() => b.log.text()).toContain('LISTEN connection to PostgreSQL re-established');
  }, 60_000);
});
