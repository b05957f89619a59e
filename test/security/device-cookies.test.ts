/**
 * Device cookies (issue #15, item 6; OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a
 * stranger's wrong passwords lock out the clients that have never logged in to the account, not the
 * owner's devices; a device that fails too often locks out only itself; a forged, expired or other user's
 * device cookie counts as none; the counts hold across a restart on both stores, and the cookie across a
 * secret rotation.
 */
import { describe, expect, it } from 'vitest';
import { DEVICE_TOKEN_DAYS, createDeviceTokens } from '../../api/accounts/device-token.js';
import { cookieFrom, setCookieLine } from '../support/cookies.js';
import { specAgent, type SpecAgent } from '../support/contract.js';
import { STORES, TEST_SECRET, type StoreKind, type TestServer, testServers } from '../support/server.js';
import { PASSWORD } from '../support/users.js';

const DEVICE = 'papo.device';
const DAY = 24 * 60 * 60 * 1000;
const SECRET_A = 'secret-a-that-is-long-enough-0123456789abcdef';
const SECRET_B = 'secret-b-that-is-long-enough-0123456789abcdef';

const servers = testServers();
/** The same data on a new process: the text store's folder, or PostgreSQL's schema. */
const restart = async (s: TestServer, env: Record<string, string> = {}) => {
  await s.stop();
  return servers.start({ store: s.store, dataDir: s.dataDir, ...(s.databaseUrl ? { databaseUrl: s.databaseUrl } : {}), env });
};

/** A login from a client with no cookies at all: a stranger, each time from a new address. */
let nextAddress = 1;
const stranger = (url: string, username: string, password: string) =>
  specAgent(url)
    .post('/api/session')
    .set('X-Forwarded-For', `203.0.113.${nextAddress++ % 250}`)
    .send({ username, password });

/** A login that shows `cookie` (`papo.device=...`) and nothing else. */
const withCookie = (url: string, cookie: string, username: string, password: string) =>
  specAgent(url).post('/api/session').set('Cookie', cookie).send({ username, password });

/** A device (a cookie jar) that signs up or logs in as `username`; returns it and its device cookie. */
async function device(url: string, username: string): Promise<{ agent: SpecAgent; cookie: string }> {
  const agent = specAgent(url);
  const res = await agent.post('/api/session').send({ username, password: PASSWORD });
  expect([200, 201]).toContain(res.status);
  return { agent, cookie: cookieFrom(res, DEVICE) };
}

// The defaults (10 failures per window) and a trusted proxy, so strangers can come from many addresses.
const ENV = { TRUST_PROXY: 'loopback' };

describe.each(STORES)('device cookies on the %s store', (store: StoreKind) => {
  it('when a stranger has sent ten wrong passwords, then the owner’s device still logs in with the right one, while strangers get 429 even with it', async () => {
    const s = await servers.start({ store, env: ENV });
    const phone = await device(s.url, 'maria');
    for (let i = 0; i < 10; i++) await stranger(s.url, 'maria', `wrong guess ${i}`).expect(401);

    const locked = await stranger(s.url, 'maria', 'eleventh guess').expect(429);
    expect(locked.body.error.code).toBe('too_many_requests');
    expect(locked.body.error.message).toMatch(/devices that have not logged in to it before/);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    await stranger(s.url, 'maria', PASSWORD).expect(429);

    const res = await phone.agent.post('/api/session').send({ username: 'maria', password: PASSWORD }).expect(200);
    expect(res.body.user.username).toBe('maria');
    // Logged in: the session works; the strangers are still locked out.
    await phone.agent.get('/api/session').expect(200, { user: { username: 'maria' } });
    await stranger(s.url, 'maria', PASSWORD).expect(429);
  });

  it('when the owner’s device fails ten times itself, then that device gets 429, while another of the owner’s devices and strangers are not affected', async () => {
    const s = await servers.start({ store, env: ENV });
    const phone = await device(s.url, 'maria');
    const laptop = await device(s.url, 'maria');
    for (let i = 0; i < 10; i++) await withCookie(s.url, phone.cookie, 'maria', `typo ${i}`).expect(401);

    const locked = await withCookie(s.url, phone.cookie, 'maria', PASSWORD).expect(429);
    expect(locked.body.error.message).toMatch(/from this device/);
    await withCookie(s.url, laptop.cookie, 'maria', PASSWORD).expect(200);
    await stranger(s.url, 'maria', PASSWORD).expect(200);
  });

  it('when the server restarts, then the strangers’ count and each device’s count hold, and the device cookie is still known', async () => {
    const env = { ...ENV, LOGIN_FAILURES_PER_USERNAME: '3', LOGIN_FAILURES_PER_DEVICE: '3' };
    const s = await servers.start({ store, env });
    const phone = await device(s.url, 'maria');
    const tablet = await device(s.url, 'maria');
    for (let i = 0; i < 3; i++) await stranger(s.url, 'maria', `wrong ${i}`).expect(401);
    for (let i = 0; i < 3; i++) await withCookie(s.url, tablet.cookie, 'maria', `typo ${i}`).expect(401);

    const again = await restart(s, env);
    await stranger(again.url, 'maria', PASSWORD).expect(429);
    await withCookie(again.url, tablet.cookie, 'maria', PASSWORD).expect(429);
    await withCookie(again.url, phone.cookie, 'maria', PASSWORD).expect(200);
  });
});

describe('device cookies', () => {
  it('when a login succeeds, then the device cookie is HttpOnly, SameSite=Lax, for the login route only, long-lived, and not Secure over plain HTTP', async () => {
    const s = await servers.start();
    const res = await specAgent(s.url).post('/api/session').send({ username: 'maria', password: PASSWORD }).expect(201);
    const line = setCookieLine(res, DEVICE);
    expect(line).toMatch(/^papo\.device=[^;]+;/);
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; SameSite=Lax/i);
    expect(line).toMatch(/; Path=\/api\/session(;|$)/i);
    expect(Number(/; Max-Age=(\d+)/i.exec(line)?.[1])).toBe(DEVICE_TOKEN_DAYS * 24 * 60 * 60);
    expect(line).not.toMatch(/; Secure/i);
    // Logging in again hands out a new one, as OWASP advises; a wrong password hands out none.
    const again = await specAgent(s.url).post('/api/session').send({ username: 'maria', password: PASSWORD }).expect(200);
    expect(cookieFrom(again, DEVICE)).not.toBe(cookieFrom(res, DEVICE));
    const wrong = await specAgent(s.url).post('/api/session').send({ username: 'maria', password: 'not the password' }).expect(401);
    expect(setCookieLine(wrong, DEVICE)).toBe('');
  });

  it('when the login came over HTTPS through a trusted proxy, then the device cookie is Secure', async () => {
    const s = await servers.start({ env: { TRUST_PROXY: 'loopback' } });
    const res = await specAgent(s.url)
      .post('/api/session')
      .set('X-Forwarded-Proto', 'https')
      .send({ username: 'maria', password: PASSWORD })
      .expect(201);
    expect(setCookieLine(res, DEVICE)).toMatch(/; Secure/i);
  });

  it('when the device cookie is forged, tampered with, signed with another secret, expired or another user’s, then it counts as no cookie', async () => {
    const s = await servers.start({ env: ENV });
    const phone = await device(s.url, 'maria');
    const bruno = await device(s.url, 'bruno');
    for (let i = 0; i < 10; i++) await stranger(s.url, 'maria', `wrong guess ${i}`).expect(401);

    const value = decodeURIComponent(phone.cookie.slice(`${DEVICE}=`.length));
    const [payload = '', mac = ''] = [value.slice(0, value.lastIndexOf('.')), value.slice(value.lastIndexOf('.') + 1)];
    const otherSecret = createDeviceTokens(['another-secret-that-is-long-enough-0123456789']).issue('maria');
    const expired = createDeviceTokens([TEST_SECRET], () => Date.now() - (DEVICE_TOKEN_DAYS + 1) * DAY).issue('maria');
    const cookies = {
      'another user’s': bruno.cookie,
      'with its name changed': `${DEVICE}=${encodeURIComponent(`${payload.replace('~maria~', '~bruno~')}.${mac}`)}`,
      'with its signature changed': `${DEVICE}=${encodeURIComponent(`${payload}.${mac.slice(1)}A`)}`,
      'made up': `${DEVICE}=${encodeURIComponent(`device~maria~AAAAAAAAAAAAAAAAAAAAAA~${Date.now()}.forged`)}`,
      'signed with another secret': `${DEVICE}=${encodeURIComponent(otherSecret)}`,
      expired: `${DEVICE}=${encodeURIComponent(expired)}`,
    };
    for (const [what, cookie] of Object.entries(cookies)) {
      const res = await withCookie(s.url, cookie, 'maria', PASSWORD);
      expect(res.status, what).toBe(429);
    }
    await withCookie(s.url, phone.cookie, 'maria', PASSWORD).expect(200);
  });

  it('when SESSION_SECRET gains a new first secret, then device cookies signed with the old one are still known, and new ones are signed with the new one', async () => {
    const first = await servers.start({ env: { ...ENV, SESSION_SECRET: SECRET_A } });
    const phone = await device(first.url, 'maria');
    for (let i = 0; i < 10; i++) await stranger(first.url, 'maria', `wrong guess ${i}`).expect(401);

    const rotated = await restart(first, { ...ENV, SESSION_SECRET: `${SECRET_B},${SECRET_A}` });
    const res = await withCookie(rotated.url, phone.cookie, 'maria', PASSWORD).expect(200);
    const renewed = cookieFrom(res, DEVICE);

    const onlyNew = await restart(rotated, { ...ENV, SESSION_SECRET: SECRET_B });
    await withCookie(onlyNew.url, phone.cookie, 'maria', PASSWORD).expect(429);
    await withCookie(onlyNew.url, renewed, 'maria', PASSWORD).expect(200);
  });
});
