/**
 * The fast path's session check (api/http/fast-path/session-check.ts) against express-session with
 * requireUser: the same poll, through the server and through its twin without the fast path (twin-servers.ts),
 * on the same sessions. Time is faked (Date only; timers stay real).
 */
import supertest from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cookieFrom, setCookieLine } from '../../support/cookies.js';
import { STORES, type StoreKind } from '../../support/server.js';
import { PASSWORD } from '../../support/users.js';
import { twinServers, type TwinServers } from './twin-servers.js';

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60 * 1000;
const T0 = new Date('2030-01-01T00:00:00Z').getTime();
const SECRET_A = 'secret-a-that-is-long-enough-0123456789abcdef';
const SECRET_B = 'secret-b-that-is-long-enough-0123456789abcdef';

const twins = twinServers();
afterEach(() => {
  vi.useRealTimers();
});

async function login(base: string, username: string): Promise<string> {
  const res = await supertest(base).post('/api/session').send({ username, password: PASSWORD });
  expect([200, 201]).toContain(res.status);
  return cookieFrom(res);
}

const poll = (base: string, cookie: string) => supertest(base).get('/api/messages?wait=0').set('Cookie', cookie);
const send = (base: string, cookie: string) =>
  supertest(base).post('/api/messages').set('Cookie', cookie).send({ to: 'bruno', content: 'oi' });

/** The status and body of the same poll through both, each with its own cookie of the same user. */
async function bothPolls(t: TwinServers, cookies: { fast: string; reference: string }) {
  const [fast, reference] = [await poll(t.fast, cookies.fast), await poll(t.reference, cookies.reference)];
  return {
    fast: { status: fast.status, body: fast.body as unknown },
    reference: { status: reference.status, body: reference.body as unknown },
  };
}

describe.each(STORES)('the session check answers as express-session (%s store)', (store: StoreKind) => {
  it('when a poll or a send answers, then the cookie rolls as express-session rolls it, to the next whole hour and once that hour', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const t = await twins.start({ store, env: { SESSION_IDLE_DAYS: '30' } });
    await login(t.fast, 'bruno');
    const cookie = await login(t.fast, 'alice');
    const rolledTo = (expires: number) => `${cookie}; Path=/; Expires=${new Date(expires).toUTCString()}; HttpOnly; SameSite=Lax`;

    vi.setSystemTime(T0 + DAY + 12_345);
    expect(setCookieLine(await poll(t.reference, cookie).expect(200))).toBe(rolledTo(T0 + 31 * DAY + 12_345));
    expect(setCookieLine(await poll(t.fast, cookie).expect(200))).toBe(rolledTo(T0 + 31 * DAY + 60 * MINUTE));
    vi.setSystemTime(T0 + DAY + 40 * MINUTE); // later in the same hour: express-session rolls again, the fast path not
    expect(setCookieLine(await send(t.reference, cookie).expect(201))).toBe(rolledTo(T0 + 31 * DAY + 40 * MINUTE));
    expect(setCookieLine(await send(t.fast, cookie).expect(201))).toBe('');
    expect(setCookieLine(await poll(t.fast, cookie).expect(200))).toBe('');
    vi.setSystemTime(T0 + DAY + 61 * MINUTE); // the next hour
    expect(setCookieLine(await poll(t.fast, cookie).expect(200))).toBe(rolledTo(T0 + 31 * DAY + 120 * MINUTE));
  });

  it('when a session is unused for longer than SESSION_IDLE_DAYS, then both refuse it alike; used within, both take it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const t = await twins.start({ store, env: { SESSION_IDLE_DAYS: '30', SESSION_MAX_DAYS: '365' } });
    const cookies = { fast: await login(t.fast, 'alice'), reference: await login(t.fast, 'alice') };
    for (const [at, status] of [
      [T0 + 29 * DAY, 200], // used: the idle clock starts again
      [T0 + 58 * DAY, 200],
      [T0 + 88 * DAY + MINUTE, 401],
    ] as const) {
      vi.setSystemTime(at);
      const { fast, reference } = await bothPolls(t, cookies);
      expect(fast.status).toBe(status);
      expect(fast).toEqual(reference);
    }
  });

  it('when a session is older than SESSION_MAX_DAYS, then both refuse it alike, and end it, however much it was used', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const t = await twins.start({ store, env: { SESSION_IDLE_DAYS: '30', SESSION_MAX_DAYS: '60' } });
    const cookies = { fast: await login(t.fast, 'alice'), reference: await login(t.fast, 'alice') };
    for (const [day, status] of [
      [20, 200],
      [40, 200],
      [59, 200],
      [61, 401],
    ] as const) {
      vi.setSystemTime(T0 + day * DAY);
      const { fast, reference } = await bothPolls(t, cookies);
      expect(fast.status).toBe(status);
      expect(fast).toEqual(reference);
    }
    // Both ended the session they were shown: the next request finds none.
    const { fast, reference } = await bothPolls(t, cookies);
    expect(fast).toEqual(reference);
    expect(JSON.stringify(fast.body)).toMatch(/log in first/);
  });

  it('when a poll is refused (no cookie, a forged one, a logged-out one), then neither sets a cookie and both say so alike', async () => {
    const t = await twins.start({ store });
    const cookie = await login(t.fast, 'alice');
    const forged = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const loggedOut = await login(t.fast, 'alice');
    await supertest(t.fast).delete('/api/session').set('Cookie', loggedOut).expect(204);
    for (const c of ['', 'papo.sid=nonsense', forged, loggedOut]) {
      const [fast, reference] = [await poll(t.fast, c).expect(401), await poll(t.reference, c).expect(401)];
      expect(fast.body).toEqual(reference.body);
      expect([setCookieLine(fast), setCookieLine(reference)]).toEqual(['', '']);
    }
  });

  it('when a cookie signed with an old secret comes back, then both re-sign it with the new one alike; without the old secret both refuse it', async () => {
    const first = await twins.start({ store, env: { SESSION_SECRET: SECRET_A } });
    const old = await login(first.fast, 'alice');

    const rotated = await twins.restart(first, { env: { SESSION_SECRET: `${SECRET_B},${SECRET_A}` } });
    const value = (res: { headers: Record<string, unknown> }) => setCookieLine(res).split(';')[0] ?? '';
    const viaFast = value(await poll(rotated.fast, old).expect(200));
    expect(viaFast).not.toBe(old);
    expect(value(await poll(rotated.reference, old).expect(200))).toBe(viaFast);

    const onlyNew = await twins.restart(rotated, { env: { SESSION_SECRET: SECRET_B } });
    for (const base of [onlyNew.fast, onlyNew.reference]) {
      await poll(base, viaFast).expect(200);
      await poll(base, old).expect(401);
    }
  });
});
