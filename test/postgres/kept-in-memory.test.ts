/**
 * Each process keeps the sessions and the push subscriptions it has read, on the strength of the NOTIFY that
 * every change to them sends (issue #20: those reads were three of the eight round trips a message cost).
 * These tests hold it to what makes that sound: what is kept is answered without a round trip, and never once
 * its change is known here, past a session's expiry, or after the LISTEN connection was lost (when changes
 * may have gone unheard).
 */
import { describe, expect, it } from 'vitest';
import { NotifiedCache } from '../../api/store/postgres/notified-cache.js';
import { PostgresStore } from '../../api/store/postgres/postgres-store.js';
import type { SessionContent } from '../../api/store/store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { captureLog, type CapturedLog } from '../support/log.js';
import { BASE_DATABASE_URL, createTestSchema, dropTestSchema } from '../support/postgres.js';
import { HASH } from './helpers.js';
import { TcpProxy } from './tcp-proxy.js';

const defer = cleanupAfterEach();
const HOUR = 60 * 60 * 1000;

interface Process {
  store: PostgresStore;
  log: CapturedLog;
  /** Statements this process has sent to PostgreSQL so far. */
  queries(): number;
}

async function open(url: string): Promise<Process> {
  const log = captureLog();
  const store = await PostgresStore.open({ url, poolSize: 3, log: log.logger, sessionTtlMs: 24 * HOUR });
  defer(() => store.close());
  return { store, log, queries: () => store.poolStats().queries };
}

/** Two processes on one fresh schema, with alice's account. */
async function twoProcesses(): Promise<{ a: Process; b: Process; url: string }> {
  const { schema, url } = await createTestSchema();
  defer(() => dropTestSchema(schema));
  const a = await open(url);
  const b = await open(url);
  expect(await a.store.users.create({ username: 'alice', passwordHash: HASH })).toBe(true);
  return { a, b, url };
}

const session = (expiresInMs = 24 * HOUR): SessionContent => ({
  cookie: { originalMaxAge: expiresInMs, expires: new Date(Date.now() + expiresInMs) },
  username: 'alice',
  loggedInAt: Date.now(),
});

describe.skipIf(!BASE_DATABASE_URL)('sessions kept in memory by each PostgreSQL process', () => {
  it('when a process reads a session twice, then the second read costs no round trip and gives the same session', async () => {
    const { a, b } = await twoProcesses();
    await a.store.sessions.set('sid-1', session());
    const first = await b.store.sessions.get('sid-1');
    const before = b.queries();
    const second = await b.store.sessions.get('sid-1');
    expect(b.queries() - before).toBe(0);
    expect(second).toEqual(first);
    expect(second?.username).toBe('alice');
    // Handed out as a copy: what a reader sets on it is not what the next reader gets.
    if (second) second.username = 'mallory';
    expect((await b.store.sessions.get('sid-1'))?.username).toBe('alice');
  });

  it('when a session is logged out through another process, then this one stops answering it as soon as it hears the end', async () => {
    const { a, b } = await twoProcesses();
    await a.store.sessions.set('sid-1', session());
    expect((await b.store.sessions.get('sid-1'))?.username).toBe('alice');
    const endedAt = performance.now();
    await a.store.sessions.destroy('sid-1');
    // Where it was ended: at once, not when its own NOTIFY comes back.
    expect(await a.store.sessions.get('sid-1')).toBeUndefined();
    await expect.poll(() => b.store.sessions.get('sid-1'), { timeout: 1000, interval: 5 }).toBeUndefined();
    console.warn(`a logout on one process was heard by the other in ${(performance.now() - endedAt).toFixed(1)} ms`);
  });

  it("when a password change or an account deletion ends a user's sessions, then the process that made it forgets them at once and the other on hearing it", async () => {
    const { a, b } = await twoProcesses();
    await a.store.sessions.set('sid-1', session());
    await a.store.sessions.set('sid-2', session());
    for (const p of [a, b]) expect((await p.store.sessions.get('sid-1'))?.username).toBe('alice');
    expect(await a.store.users.resetPassword('alice', HASH)).toBe(true);
    expect(await a.store.sessions.get('sid-1')).toBeUndefined();
    await expect.poll(() => b.store.sessions.get('sid-1'), { timeout: 1000, interval: 5 }).toBeUndefined();

    await a.store.sessions.set('sid-3', session());
    for (const p of [a, b]) expect((await p.store.sessions.get('sid-3'))?.username).toBe('alice');
    expect((await b.store.deleteAccount('alice')).kind).toBe('deleted');
    expect(await b.store.sessions.get('sid-3')).toBeUndefined();
    await expect.poll(() => a.store.sessions.get('sid-3'), { timeout: 1000, interval: 5 }).toBeUndefined();
  });

  it('when a kept session reaches its expiry, then it is not answered from memory past it', async () => {
    const { a, b } = await twoProcesses();
    await a.store.sessions.set('sid-1', session(1500));
    expect((await b.store.sessions.get('sid-1'))?.username).toBe('alice');
    // The row's expiry is the cookie's, rounded up to the second: 3 s is past it whatever the rounding.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const before = b.queries();
    expect(await b.store.sessions.get('sid-1')).toBeUndefined();
    expect(b.queries() - before).toBe(1);
  });

  it('when the LISTEN connection is lost while a session is logged out elsewhere, then the session is not answered from memory after it is back', async () => {
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(BASE_DATABASE_URL ?? 'postgres://x').port || 5432));
    await proxy.start();
    defer(() => proxy.cut());
    const a = await open(url);
    const viaProxy = new URL(url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const b = await open(viaProxy.toString());
    expect(await a.store.users.create({ username: 'alice', passwordHash: HASH })).toBe(true);
    await a.store.sessions.set('sid-1', session());
    expect((await b.store.sessions.get('sid-1'))?.username).toBe('alice');

    await proxy.cut();
    await expect.poll(() => b.log.text()).toContain('the LISTEN connection to PostgreSQL failed');
    // Down: b does not answer from memory, whatever it kept (it cannot know what ended meanwhile).
    await expect(b.store.sessions.get('sid-1')).rejects.toThrow(/unavailable/);
    // Ended while b hears nothing: its NOTIFY never reaches b.
    await a.store.sessions.destroy('sid-1');
    await proxy.restore();
    await expect.poll(() => b.log.text(), { timeout: 10_000 }).toContain('LISTEN connection to PostgreSQL re-established');
    expect(await b.store.sessions.get('sid-1')).toBeUndefined();
  }, 30_000);
});

const subscription = (sessionKey: string, endpoint = `https://push.example/${sessionKey}`) => ({
  sessionKey,
  username: 'alice',
  endpoint,
  p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
  auth: 'tBHItJI5svbpez7KI4CCXg',
  createdAt: new Date().toISOString(),
});

describe.skipIf(!BASE_DATABASE_URL)('push subscriptions kept in memory by each PostgreSQL process', () => {
  it('when a process asks twice for the subscriptions of someone who has none, then the second costs no round trip', async () => {
    const { b } = await twoProcesses();
    expect(await b.store.push.forUser('alice')).toEqual([]);
    const before = b.queries();
    expect(await b.store.push.forUser('alice')).toEqual([]);
    expect(b.queries() - before).toBe(0);
  });

  it('when a device turns notifications on or off through one process, then that one knows at once and the other on hearing it', async () => {
    const { a, b } = await twoProcesses();
    for (const p of [a, b]) expect(await p.store.push.forUser('alice')).toEqual([]);
    expect(await a.store.push.save(subscription('k1'), 5)).toBe('saved');
    expect((await a.store.push.forUser('alice')).map((s) => s.sessionKey)).toEqual(['k1']);
    await expect
      .poll(async () => (await b.store.push.forUser('alice')).map((s) => s.sessionKey), { timeout: 1000, interval: 5 })
      .toEqual(['k1']);

    expect(await b.store.push.removeSessions(['k1'])).toBe(1);
    expect(await b.store.push.forUser('alice')).toEqual([]);
    await expect.poll(() => a.store.push.forUser('alice'), { timeout: 1000, interval: 5 }).toEqual([]);

    expect(await a.store.push.save(subscription('k2', 'https://push.example/gone'), 5)).toBe('saved');
    await expect.poll(async () => (await b.store.push.forUser('alice')).length, { timeout: 1000, interval: 5 }).toBe(1);
    await a.store.push.removeEndpoint('https://push.example/gone');
    await expect.poll(() => b.store.push.forUser('alice'), { timeout: 1000, interval: 5 }).toEqual([]);
  });

  it("when an account is deleted through one process, then the other stops handing out that account's subscriptions", async () => {
    const { a, b } = await twoProcesses();
    await a.store.sessions.set('sid-1', session());
    const { sessions } = a.store;
    const [stored] = await sessions.ofUser('alice');
    expect(await a.store.push.save(subscription(stored?.key ?? ''), 5)).toBe('saved');
    await expect.poll(async () => (await b.store.push.forUser('alice')).length, { timeout: 1000, interval: 5 }).toBe(1);
    expect((await a.store.deleteAccount('alice')).kind).toBe('deleted');
    await expect.poll(() => b.store.push.forUser('alice'), { timeout: 1000, interval: 5 }).toEqual([]);
  });
});

describe('NotifiedCache', () => {
  it('when a key is forgotten while a read is in flight, then what that read found is not kept', () => {
    const cache = new NotifiedCache<string>(10);
    cache.listening(true);
    const startedAt = cache.readStarted();
    cache.forget(['k']);
    cache.keep('k', 'from before the change', startedAt);
    expect(cache.get('k')).toBeUndefined();
    cache.keep('k', 'read after it', cache.readStarted());
    expect(cache.get('k')).toBe('read after it');
  });

  it('when the LISTEN connection is not up, then nothing is kept or answered, and what was kept is dropped', () => {
    const cache = new NotifiedCache<string>(10);
    cache.keep('k', 'v', cache.readStarted());
    expect(cache.get('k')).toBeUndefined();
    cache.listening(true);
    cache.keep('k', 'v', cache.readStarted());
    expect(cache.get('k')).toBe('v');
    cache.listening(false);
    expect(cache.get('k')).toBeUndefined();
    cache.listening(true);
    expect(cache.get('k')).toBeUndefined();
  });

  it('when it is full, then it starts over rather than grow', () => {
    const cache = new NotifiedCache<number>(2);
    cache.listening(true);
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.keep(key, i, cache.readStarted());
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, undefined, 2]);
  });
});
