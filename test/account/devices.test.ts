/**
 * Your devices (issue #17): the list of my sessions, ending one or all but this one, the limit of sessions per
 * user, and changing my password (which ends every other session). Ended means at once, held polls included,
 * on both stores (on PostgreSQL through the NOTIFY a logout uses).
 */
import { describe, expect, it } from 'vitest';
import type { DevicesResponse, PollResponse } from '../../api/contract.js';
import { specAgent, type SpecAgent } from '../support/contract.js';
import { STORES, testServers, type StoreKind } from '../support/server.js';
import { PASSWORD, poll, send } from '../support/users.js';

const servers = testServers();
const start = (store: StoreKind, env: Record<string, string> = {}) => servers.start({ store, env });

const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

async function device(url: string, username: string, userAgent?: string, password = PASSWORD): Promise<SpecAgent> {
  const d = specAgent(url);
  const req = d.post('/api/session');
  if (userAgent !== undefined) req.set('User-Agent', userAgent);
  const res = await req.send({ username, password });
  expect([200, 201]).toContain(res.status);
  return d;
}

async function devicesOf(d: SpecAgent): Promise<DevicesResponse['devices']> {
  return ((await d.get('/api/account/devices').expect(200)).body as DevicesResponse).devices;
}

/** Holds a 30 s poll; resolves with its answer. */
async function hold(d: SpecAgent): Promise<{ answered: Promise<{ status: number; body: PollResponse }> }> {
  const { cursor } = await poll(d);
  const answered = d
    .get(`/api/messages?wait=30&after=${encodeURIComponent(cursor)}`)
    .then((res) => ({ status: res.status, body: res.body as PollResponse }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { answered };
}

describe.each(STORES)('my devices (%s store)', (store) => {
  it('when a user logs in from two browsers, then each sees both, named from its User-Agent, itself first and marked current', async () => {
    const s = await start(store);
    const phone = await device(s.url, 'alice', ANDROID_CHROME);
    const iphone = await device(s.url, 'alice', IPHONE_SAFARI);
    await device(s.url, 'bruno', ANDROID_CHROME);

    const seen = await devicesOf(phone);
    expect(seen.map((d) => [d.name, d.current])).toEqual([
      ['Chrome on Android', true],
      ['Safari on iOS', false],
    ]);
    for (const d of seen) {
      expect(Date.now() - Date.parse(d.loggedInAt)).toBeLessThan(60_000);
      expect(Date.parse(d.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(d.loggedInAt) - 1000);
    }
    expect((await devicesOf(iphone)).map((d) => [d.name, d.current])).toEqual([
      ['Safari on iOS', true],
      ['Chrome on Android', false],
    ]);
  });

  it('when a device is ended from another one, then its cookie stops working at once and its held poll answers at once', async () => {
    const s = await start(store);
    const phone = await device(s.url, 'alice', ANDROID_CHROME);
    const laptop = await device(s.url, 'alice', IPHONE_SAFARI);
    const held = await hold(phone);
    const target = (await devicesOf(laptop)).find((d) => !d.current);
    expect(target?.name).toBe('Chrome on Android');

    const endedAt = performance.now();
    await laptop.delete(`/api/account/devices/${target?.id ?? ''}`).expect(204);
    const answer = await held.answered;
    expect(performance.now() - endedAt).toBeLessThan(1500);
    expect(answer.body.events).toEqual([]);
    await phone.get('/api/session').expect(401);
    await laptop.get('/api/session').expect(200);
    expect((await devicesOf(laptop)).map((d) => d.current)).toEqual([true]);
  });

  it("when a user names another user's device, or one that ended, then it is 404 not_found and nothing ends", async () => {
    const s = await start(store);
    const alice = await device(s.url, 'alice');
    const bruno = await device(s.url, 'bruno');
    const [brunos] = await devicesOf(bruno);
    const res = await alice.delete(`/api/account/devices/${brunos?.id ?? ''}`).expect(404);
    expect(res.body.error.code).toBe('not_found');
    await bruno.get('/api/session').expect(200);
    await alice.delete('/api/account/devices/zz-not-hex').expect(400);
  });

  it('when a user logs out every other device, then only this one still works', async () => {
    const s = await start(store);
    const others = [await device(s.url, 'alice'), await device(s.url, 'alice'), await device(s.url, 'alice')];
    const me = await device(s.url, 'alice');
    const res = await me.delete('/api/account/devices').expect(200);
    expect(res.body).toEqual({ ended: 3 });
    for (const d of others) await d.get('/api/session').expect(401);
    await me.get('/api/session').expect(200);
  });

  it('when a user logs in past SESSIONS_PER_USER, then the least recently used session ends and the newest works', async () => {
    const s = await start(store, { SESSIONS_PER_USER: '2' });
    const first = await device(s.url, 'alice');
    const second = await device(s.url, 'alice');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const third = await device(s.url, 'alice');
    expect(await devicesOf(third)).toHaveLength(2);
    const working = await Promise.all([first, second].map(async (d) => (await d.get('/api/session')).status));
    expect(working.sort()).toEqual([200, 401]);
  });

  it('when a session has no User-Agent (as sessions stored before issue #17), then it is listed as an unknown device', async () => {
    const s = await start(store);
    await device(s.url, 'alice');
    const me = await device(s.url, 'alice', 'curl/8.5.0');
    expect((await devicesOf(me)).map((d) => d.name)).toEqual(['curl', 'Unknown device']);
  });

  it('when a user changes their password, then other devices are logged out, this one goes on, and only the new password logs in', async () => {
    const s = await start(store);
    const other = await device(s.url, 'alice');
    const me = await device(s.url, 'alice');
    const bruno = await device(s.url, 'bruno');
    const held = await hold(other);
    await me.post('/api/account/password').send({ currentPassword: PASSWORD, newPassword: 'a new and longer one' }).expect(204);
    expect((await held.answered).body.events).toEqual([]);
    await other.get('/api/session').expect(401);
    await me.get('/api/session').expect(200);
    expect(await devicesOf(me)).toHaveLength(1);
    // This device still sends and receives with its new session.
    await send(bruno, 'alice', 'after the change');
    expect((await poll(me)).events.length).toBeGreaterThan(0);

    const again = specAgent(s.url);
    expect((await again.post('/api/session').send({ username: 'alice', password: PASSWORD })).status).toBe(401);
    await again.post('/api/session').send({ username: 'alice', password: 'a new and longer one' }).expect(200);

    const restarted = await servers.restart(s);
    await specAgent(restarted.url).post('/api/session').send({ username: 'alice', password: 'a new and longer one' }).expect(200);
  });

  it('when the current password is wrong, or the new one breaks a rule, then nothing changes and no session ends', async () => {
    const s = await start(store);
    const other = await device(s.url, 'alice');
    const me = await device(s.url, 'alice');
    const wrong = await me
      .post('/api/account/password')
      .send({ currentPassword: 'not it at all', newPassword: 'a new and longer one' })
      .expect(401);
    expect(wrong.body.error.code).toBe('wrong_password');
    const weak = await me.post('/api/account/password').send({ currentPassword: PASSWORD, newPassword: '12345678' }).expect(400);
    expect(weak.body.error.code).toBe('invalid_password');
    await me.post('/api/account/password').send({ currentPassword: PASSWORD }).expect(400);
    await other.get('/api/session').expect(200);
    await specAgent(s.url).post('/api/session').send({ username: 'alice', password: PASSWORD }).expect(200);
  });

  it('when nobody is logged in, then the device routes are 401', async () => {
    const s = await start(store);
    const anon = specAgent(s.url);
    await anon.get('/api/account/devices').expect(401);
    await anon.delete('/api/account/devices').expect(401);
    await anon.post('/api/account/password').send({ currentPassword: PASSWORD, newPassword: 'a new and longer one' }).expect(401);
  });
});
