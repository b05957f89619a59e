/**
 * Brute force, passwords and usernames (issue #6): login limits per username and per address, sign-up limits
 * per address, all holding across a restart; the password rules with the common-password list; one bcrypt
 * operation on both login paths; usernames folded everywhere, hostile ones refused without touching the disk.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAccounts } from '../../api/accounts/accounts.js';
import { createDeviceTokens } from '../../api/accounts/device-token.js';
import type { PasswordHasher } from '../../api/accounts/password-hasher.js';
import type { StoredUser, UserRepository } from '../../api/store/store.js';
import { DATA_FILES } from '../../api/store/text/data-layout.js';
import { specAgent } from '../support/contract.js';
import { STORES, TEST_SECRET, testServers, type TestServer, type TestServerOptions } from '../support/server.js';
import { PASSWORD, PASSWORD_72_BYTES, signUp } from '../support/users.js';
import { cookieFrom } from '../support/cookies.js';

const servers = testServers();
const start = (options: TestServerOptions = {}): Promise<TestServer> => servers.start(options);

/** A login attempt from a given client address (the server trusts the loopback proxy that says so). */
const attempt = (url: string, username: string, password: string, address: string) =>
  specAgent(url).post('/api/session').set('X-Forwarded-For', address).send({ username, password });

const LIMITS = { TRUST_PROXY: 'loopback', LOGIN_FAILURES_PER_USERNAME: '3', LOGIN_FAILURES_PER_ADDRESS: '5', SIGNUPS_PER_ADDRESS: '2' };

describe('brute force', () => {
  it('when a username has had too many failed logins from clients without a device cookie, then each of them, from any address, gets a 429 with Retry-After, even with the right password', async () => {
    const s = await start({ env: LIMITS });
    await attempt(s.url, 'alice', PASSWORD, '198.51.100.1').expect(201);
    for (let i = 0; i < 3; i++) await attempt(s.url, 'alice', `wrong guess ${i}`, `203.0.113.${i + 1}`).expect(401);
    const res = await attempt(s.url, 'alice', PASSWORD, '198.51.100.1').expect(429);
    expect(res.body.error.code).toBe('too_many_requests');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // Other accounts are not locked by it.
    await attempt(s.url, 'bruno', PASSWORD, '198.51.100.1').expect(201);
  });

  it('when one address has failed too often across many usernames, then it gets 429s; other addresses do not', async () => {
    const s = await start({ env: { ...LIMITS, SIGNUPS_PER_ADDRESS: '0' } });
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) await attempt(s.url, `${u}aa`, PASSWORD, '198.51.100.9').expect(201);
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) await attempt(s.url, `${u}aa`, 'not the password', '203.0.113.66').expect(401);
    await attempt(s.url, 'u6aa', 'not the password', '203.0.113.66').expect(429);
    await attempt(s.url, 'u6aa', PASSWORD, '198.51.100.9').expect(200);
  });

  it('when one address creates too many accounts, then the next is a 429 and nothing is created', async () => {
    const s = await start({ env: LIMITS });
    await attempt(s.url, 'new1', PASSWORD, '203.0.113.7').expect(201);
    await attempt(s.url, 'new2', PASSWORD, '203.0.113.7').expect(201);
    await attempt(s.url, 'new3', PASSWORD, '203.0.113.7').expect(429);
    // Logging in to an existing account is not a sign-up.
    await attempt(s.url, 'new1', PASSWORD, '203.0.113.7').expect(200);
    await attempt(s.url, 'new3', PASSWORD, '198.51.100.3').expect(201);
  });

  it('when TRUST_PROXY is off, then X-Forwarded-For is ignored and cannot spread guesses over invented addresses', async () => {
    const s = await start({ env: { ...LIMITS, TRUST_PROXY: 'false', LOGIN_FAILURES_PER_USERNAME: '0', SIGNUPS_PER_ADDRESS: '0' } });
    for (let i = 0; i < 5; i++) await attempt(s.url, `user${i}`, PASSWORD, `203.0.113.${i}`).expect(201);
    for (let i = 0; i < 5; i++) await attempt(s.url, `user${i}`, 'bad guess!', `203.0.113.${i}`).expect(401);
    await attempt(s.url, 'user0', 'bad guess!', '203.0.113.200').expect(429);
  });
});

describe.each(STORES)('brute-force counters on the %s store', (store) => {
  it('when the server restarts, then the counters hold', async () => {
    const s = await start({ store, env: LIMITS });
    await attempt(s.url, 'alice', PASSWORD, '198.51.100.1').expect(201);
    for (let i = 0; i < 3; i++) await attempt(s.url, 'alice', `wrong ${i}`, '203.0.113.9').expect(401);
    await attempt(s.url, 'new2', PASSWORD, '198.51.100.1').expect(201);
    await s.stop();
    const again = await start({ store, dataDir: s.dataDir, ...(s.databaseUrl ? { databaseUrl: s.databaseUrl } : {}), env: LIMITS });
    await attempt(again.url, 'alice', PASSWORD, '198.51.100.1').expect(429);
    await attempt(again.url, 'new3', PASSWORD, '198.51.100.1').expect(429);
  });
});

describe('passwords', () => {
  it.each(['password', 'Password123', '12345678', 'qwertyuiop', 'iloveyou', 'senha123'])(
    'when a new account picks "%s", then it is refused with 400 invalid_password',
    async (password) => {
      const s = await start();
      const res = await specAgent(s.url).post('/api/session').send({ username: 'alice', password }).expect(400);
      expect(res.body.error.code).toBe('invalid_password');
    },
  );

  it('when a password is over 72 bytes, then it is refused, never truncated (a 72-byte prefix is not the same password)', async () => {
    const s = await start();
    const base = PASSWORD_72_BYTES;
    await specAgent(s.url)
      .post('/api/session')
      .send({ username: 'alice', password: `${base}x` })
      .expect(400);
    await specAgent(s.url).post('/api/session').send({ username: 'alice', password: base }).expect(201);
    await specAgent(s.url)
      .post('/api/session')
      .send({ username: 'alice', password: `${base}y` })
      .expect(400);
    await specAgent(s.url).post('/api/session').send({ username: 'alice', password: base }).expect(200);
  });

  it('when anyone logs in or signs up, then neither the password nor the session id is in the log', async () => {
    const s = await start({ env: { LOG_LEVEL: 'trace' } });
    const secret = 'a-very-recognisable-password-42';
    const res = await specAgent(s.url).post('/api/session').send({ username: 'alice', password: secret }).expect(201);
    await specAgent(s.url)
      .post('/api/session')
      .send({ username: 'alice', password: `${secret}-wrong` })
      .expect(401);
    const sid =
      decodeURIComponent(cookieFrom(res).split('=')[1] ?? '')
        .slice(2)
        .split('.')[0] ?? '';
    expect(sid.length).toBeGreaterThan(10);
    const log = s.log.text();
    expect(log).not.toContain(secret);
    expect(log).not.toContain(sid);
  });

  it('when an unknown and a known username log in, then each costs exactly one bcrypt operation', async () => {
    const calls: string[] = [];
    const hasher: PasswordHasher = {
      hash: async (p) => (calls.push('hash'), `h:${p}`),
      verify: async (p, h) => (calls.push('verify'), h === `h:${p}`),
      close: async () => undefined,
    };
    const users = new Map<string, StoredUser>();
    const repo: UserRepository = {
      find: async (u) => users.get(u),
      exists: (u) => users.has(u),
      create: async (u) => (users.has(u.username) ? false : (users.set(u.username, u), true)),
      isLocked: () => false,
      isDeleted: () => false,
      knownDeleted: () => false,
      resetPassword: async () => false,
      createdAt: async () => null,
    };
    const accounts = createAccounts(repo, hasher, createDeviceTokens([TEST_SECRET]));
    await accounts.loginOrRegister('newcomer', PASSWORD);
    expect(calls).toEqual(['hash']);
    calls.length = 0;
    await accounts.loginOrRegister('newcomer', PASSWORD);
    expect(calls).toEqual(['verify']);
    calls.length = 0;
    await expect(accounts.loginOrRegister('newcomer', 'wrong password')).rejects.toThrow();
    expect(calls).toEqual(['verify']);
  });
});

describe('usernames', () => {
  it('when a name differs by case or compatibility form, then sign-up, login, sending and history all use one account', async () => {
    const s = await start();
    await signUp(s.url, 'Maria');
    const bruno = await signUp(s.url, 'bruno');
    for (const name of ['MARIA', 'ｍａｒｉａ', 'ᴹᴬᴿᴵᴬ']) {
      const res = await specAgent(s.url).post('/api/session').send({ username: name, password: PASSWORD }).expect(200);
      expect(res.body.user.username).toBe('maria');
      await bruno
        .post('/api/messages')
        .send({ to: name, content: `to ${name}` })
        .expect(201);
    }
    const history = await bruno.get('/api/history?with=%EF%BD%8D%EF%BD%81%EF%BD%92%EF%BD%89%EF%BD%81').expect(200);
    expect(history.body.messages).toHaveLength(3);
    expect('ᴹᴬᴿᴵᴬ'.normalize('NFKC').toLowerCase().normalize('NFKC')).toBe('maria');
  });

  const hostile = [
    'аlice',
    'ali\u200bce',
    '__proto__',
    '../x',
    '..',
    'a/b',
    'a\\b',
    'ab\u0000c',
    'x'.repeat(1000),
    'al ice',
    'alice\n',
    '\u202ealice',
    'con.txt/..',
  ];
  it('when hostile names are used to sign up, send to, or read history with, then each is a 400 and no file appears outside historico/', async () => {
    const s = await start();
    const alice = await signUp(s.url, 'alice');
    for (const name of hostile) {
      const signup = await specAgent(s.url).post('/api/session').send({ username: name, password: PASSWORD });
      expect([400], JSON.stringify(name)).toContain(signup.status);
      const send = await alice.post('/api/messages').send({ to: name, content: 'x' });
      expect(send.status, JSON.stringify(name)).toBe(400);
      const history = await alice.get(`/api/history?with=${encodeURIComponent(name)}`);
      expect([400, 404], JSON.stringify(name)).toContain(history.status);
    }
    const files = (await readdir(s.dataDir, { recursive: true })).map((f) => f.split(path.sep).join('/')).sort();
    // Every name the data folder may hold (the layout's list, so a new file does not break this), plus the one
    // history a real user has: a hostile name must add nothing, anywhere.
    const layoutNames = Object.values(DATA_FILES).flat();
    const expected = new Set([...layoutNames, `${DATA_FILES.histories}/history_alice.txt`]);
    expect(files.filter((f) => !expected.has(f))).toEqual([]);
  });
});
