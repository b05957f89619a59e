/**
 * Sessions (issue #6): a new id at login, HttpOnly + SameSite=Lax (+ Secure over HTTPS, directly or through a
 * trusted proxy), logout destroys the stored session, idle and absolute expiry, secret rotation, and no stored
 * session for anonymous requests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { specAgent } from '../support/contract.js';
import { testServers } from '../support/server.js';
import { PASSWORD } from '../support/users.js';
import { setCookieLine } from '../support/cookies.js';

const DAY = 24 * 60 * 60 * 1000;
const SECRET_A = 'secret-a-that-is-long-enough-0123456789abcdef';
const SECRET_B = 'secret-b-that-is-long-enough-0123456789abcdef';

const servers = testServers();
afterEach(() => {
  vi.useRealTimers();
});

async function login(url: string, username: string, cookie?: string): Promise<{ status: number; cookie: string; setCookie: string }> {
  const req = specAgent(url).post('/api/session');
  if (cookie) req.set('Cookie', cookie);
  const res = await req.send({ username, password: PASSWORD });
  const setCookie = setCookieLine(res);
  return { status: res.status, cookie: setCookie.split(';')[0] ?? '', setCookie };
}

const whoAmI = (url: string, cookie: string) => specAgent(url).get('/api/session').set('Cookie', cookie);
/** The poll checks sessions on the fast path (test/http/fast-path/session.test.ts holds it to express-session). */
const poll = (url: string, cookie: string) => specAgent(url).get('/api/messages?wait=0').set('Cookie', cookie);
const sessionChecks = { 'GET /api/session (express-session)': whoAmI, 'GET /api/messages (sessionCheck)': poll };

/** Live sessions in sessions.txt: `s` lines whose key has no later `d` line. */
async function storedSessions(dataDir: string): Promise<number> {
  const text = await readFile(path.join(dataDir, 'sessions.txt'), 'utf8').catch(() => '');
  const live = new Set<string>();
  for (const line of text.split('\n').filter(Boolean)) {
    const [kind, key] = line.split(';');
    if (kind === 's' && key) live.add(key);
    if (kind === 'd' && key) live.delete(key);
  }
  return live.size;
}

describe('login', () => {
  it('when someone logs in carrying an existing session cookie, then they get a new session id and the old cookie is worthless', async () => {
    const s = await servers.start();
    const planted = await login(s.url, 'mallory');
    const victim = await login(s.url, 'alice', planted.cookie);
    expect(victim.cookie).not.toBe(planted.cookie);
    await whoAmI(s.url, victim.cookie).expect(200, { user: { username: 'alice' } });
    await whoAmI(s.url, planted.cookie).expect(401);
  });

  it('when the session cookie is set over plain HTTP, then it is HttpOnly, SameSite=Lax, path /, and not Secure', async () => {
    const s = await servers.start();
    const { setCookie } = await login(s.url, 'alice');
    expect(setCookie).toMatch(/^papo\.sid=[^;]+;/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Lax/i);
    expect(setCookie).toMatch(/; Path=\//i);
    expect(setCookie).not.toMatch(/; Secure/i);
  });

  it('when the request came over HTTPS through a trusted proxy, then the cookie is Secure; an untrusted X-Forwarded-Proto changes nothing', async () => {
    const trusted = await servers.start({ env: { TRUST_PROXY: 'loopback' } });
    const viaProxy = await specAgent(trusted.url)
      .post('/api/session')
      .set('X-Forwarded-Proto', 'https')
      .send({ username: 'alice', password: PASSWORD })
      .expect(201);
    expect(setCookieLine(viaProxy)).toMatch(/; Secure/i);
    const direct = await servers.start();
    const spoofed = await specAgent(direct.url)
      .post('/api/session')
      .set('X-Forwarded-Proto', 'https')
      .send({ username: 'alice', password: PASSWORD })
      .expect(201);
    expect(setCookieLine(spoofed)).not.toMatch(/; Secure/i);
  });
});

describe('logout', () => {
  it('when a user logs out, then the session is destroyed in the store and the old cookie no longer works anywhere', async () => {
    const s = await servers.start();
    const { cookie } = await login(s.url, 'alice');
    expect(await storedSessions(s.dataDir)).toBe(1);
    await specAgent(s.url).delete('/api/session').set('Cookie', cookie).expect(204);
    expect(await storedSessions(s.dataDir)).toBe(0);
    await whoAmI(s.url, cookie).expect(401);
    await specAgent(s.url).get('/api/messages?wait=0').set('Cookie', cookie).expect(401);
    await specAgent(s.url).post('/api/messages').set('Cookie', cookie).send({ to: 'alice', content: 'x' }).expect(401);
    // And after a restart too: the destruction was written, not only forgotten in memory.
    await s.stop();
    const again = await servers.start({ dataDir: s.dataDir });
    await whoAmI(again.url, cookie).expect(401);
  });
});

describe('anonymous requests', () => {
  it('when nobody is logged in, then no request (reads, failed logins, bad bodies) stores a session', async () => {
    const s = await servers.start();
    await login(s.url, 'alice');
    await specAgent(s.url).delete('/api/session').expect(204);
    await specAgent(s.url).get('/api/session').expect(401);
    await specAgent(s.url).get('/api/messages?wait=0').expect(401);
    await specAgent(s.url).post('/api/session').send({ username: 'alice', password: 'wrong password!' }).expect(401);
    await specAgent(s.url).post('/api/session').send({ username: '../x', password: PASSWORD }).expect(400);
    await specAgent(s.url).get('/healthz').expect(200);
    const res = await specAgent(s.url).get('/api/session');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await storedSessions(s.dataDir)).toBe(1); // alice's, from the first login only
  });
});

describe.each(Object.entries(sessionChecks))('expiry through %s (time is faked: Date only, timers stay real)', (_name, check) => {
  it('when a session is unused for longer than SESSION_IDLE_DAYS, then it has expired; used within, it lives on', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date('2030-01-01T00:00:00Z').getTime();
    vi.setSystemTime(t0);
    const s = await servers.start({ env: { SESSION_IDLE_DAYS: '30', SESSION_MAX_DAYS: '365' } });
    const { cookie } = await login(s.url, 'alice');
    vi.setSystemTime(t0 + 29 * DAY);
    await check(s.url, cookie).expect(200); // used: the idle clock starts again
    vi.setSystemTime(t0 + 58 * DAY);
    await check(s.url, cookie).expect(200);
    vi.setSystemTime(t0 + 58 * DAY + 30 * DAY + 60_000);
    await check(s.url, cookie).expect(401);
  });

  it('when a session is older than SESSION_MAX_DAYS, then it has expired however much it was used', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date('2030-01-01T00:00:00Z').getTime();
    vi.setSystemTime(t0);
    const s = await servers.start({ env: { SESSION_IDLE_DAYS: '30', SESSION_MAX_DAYS: '60' } });
    const { cookie } = await login(s.url, 'alice');
    for (const day of [20, 40, 59]) {
      vi.setSystemTime(t0 + day * DAY);
      await check(s.url, cookie).expect(200);
    }
    vi.setSystemTime(t0 + 61 * DAY);
    const res = await check(s.url, cookie).expect(401);
    expect(res.body.error.message).toMatch(/expired/);
  });
});

describe('secret rotation', () => {
  it('when SESSION_SECRET gains a new first secret, then old cookies still work and new ones are signed with the new secret; dropping the old secret ends the old cookies', async () => {
    const first = await servers.start({ env: { SESSION_SECRET: SECRET_A } });
    const old = await login(first.url, 'alice');
    await first.stop();

    const rotated = await servers.start({ dataDir: first.dataDir, env: { SESSION_SECRET: `${SECRET_B},${SECRET_A}` } });
    await whoAmI(rotated.url, old.cookie).expect(200, { user: { username: 'alice' } });
    const fresh = await login(rotated.url, 'bruno');
    await rotated.stop();

    const onlyNew = await servers.start({ dataDir: first.dataDir, env: { SESSION_SECRET: SECRET_B } });
    await whoAmI(onlyNew.url, fresh.cookie).expect(200, { user: { username: 'bruno' } });
    await whoAmI(onlyNew.url, old.cookie).expect(401);
  });
});
