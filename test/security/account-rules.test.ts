/**
 * The rules for new accounts (issue #15, item 11): a new username has no trailing or doubled separator, so
 * `maria.` cannot be signed up beside `maria`; a new password is not the username nor contains it, is not
 * repetitive nor a sequence, and is hashed in NFKC (NIST SP 800-63B 5.1.1.2) so a password typed in NFD
 * logs in after a sign-up in NFC. Accounts made before keep working: old names log in, receive and keep
 * their history; old hashes of a password as typed (not NFKC) still match.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { createAccounts } from '../../api/accounts/accounts.js';
import { createDeviceTokens } from '../../api/accounts/device-token.js';
import type { PasswordHasher } from '../../api/accounts/password-hasher.js';
import { createLogger } from '../../api/logger.js';
import { openStore } from '../../api/store/open-store.js';
import type { StoredUser, UserRepository } from '../../api/store/store.js';
import { specAgent } from '../support/contract.js';
import { STORES, TEST_SECRET, type StoreKind, type TestServer, testServers } from '../support/server.js';
import { PASSWORD, messagesOf, poll, send, signUp } from '../support/users.js';

const servers = testServers();

const login = (url: string, username: string, password: string) => specAgent(url).post('/api/session').send({ username, password });

/**
 * A server whose store holds `accounts` as the code before issue #15 could leave them: names under the old
 * rule, hashes of the password exactly as typed. They are written through the store itself (usuarios.txt, or
 * PostgreSQL's users table), which is where the old sign-up put them.
 */
async function withOldAccounts(store: StoreKind, accounts: { username: string; password: string }[]): Promise<TestServer> {
  const fresh = await servers.start({ store });
  await fresh.stop();
  const opened = await openStore(fresh.config, createLogger({ level: 'silent' }), (plain) => bcrypt.hash(plain, 4));
  for (const { username, password } of accounts) {
    expect(await opened.users.create({ username, passwordHash: await bcrypt.hash(password, 4) })).toBe(true);
  }
  await opened.close();
  return servers.restart(fresh);
}

/** `café com pão, sempre` with é and ã composed (NFC) or decomposed (NFD). */
const NFC_PASSWORD = 'caf\u00e9 com p\u00e3o, sempre';
const NFD_PASSWORD = 'cafe\u0301 com pa\u0303o, sempre';

describe('new usernames', () => {
  it.each([
    ['maria.', /cannot end with "\."/],
    ['maria-', /cannot end with "-"/],
    ['maria_', /cannot end with "_"/],
    ['ma..ria', /cannot have "\.\."/],
    ['ma-_ria', /cannot have "-_"/],
    ['Ma.-Ria', /cannot have "\.-"/],
  ])(
    'when a new account is named "%s", then it is refused with 400 invalid_username naming the rule, and no account exists',
    async (name, rule) => {
      const s = await servers.start();
      const res = await login(s.url, name, PASSWORD).expect(400);
      expect(res.body.error.code).toBe('invalid_username');
      expect(res.body.error.message).toMatch(rule);
      expect(res.body.error.message).toMatch(/single "_", "\." or "-" only between two of them/);
      const bruno = await signUp(s.url, 'bruno');
      await bruno.post('/api/messages').send({ to: name, content: 'anyone there?' }).expect(404);
    },
  );

  it('when a new name has single separators between letters or digits, then it is accepted', async () => {
    const s = await servers.start();
    for (const name of ['maria.silva', 'jo-ao', 'a_b', 'r2-d2.x_y', 'maria']) await login(s.url, name, PASSWORD).expect(201);
  });
});

describe.each(STORES)('accounts from before issue #15 on the %s store', (store) => {
  it('when an account named "maria." exists from before, then it logs in, receives, keeps its history across a restart, and "maria-" cannot join it', async () => {
    const s = await withOldAccounts(store, [
      { username: 'maria.', password: PASSWORD },
      { username: 'jo__ao', password: PASSWORD },
    ]);
    const maria = specAgent(s.url);
    const res = await maria.post('/api/session').send({ username: 'Maria.', password: PASSWORD }).expect(200);
    expect(res.body).toEqual({ user: { username: 'maria.' }, created: false });
    await login(s.url, 'jo__ao', PASSWORD).expect(200);
    await login(s.url, 'maria-', PASSWORD).expect(400);

    const bruno = await signUp(s.url, 'bruno');
    const sent = await send(bruno, 'maria.', 'still yours');
    expect(messagesOf((await poll(maria)).events).map((m) => m.id)).toEqual([sent.id]);

    const again = await servers.restart(s);
    const back = specAgent(again.url);
    await back.post('/api/session').send({ username: 'maria.', password: PASSWORD }).expect(200);
    const history = await back.get('/api/history?with=bruno').expect(200);
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual(['still yours']);
  });

  it('when an old account’s hash is of a password typed in NFD (not NFKC), then that password still logs in and a wrong one does not', async () => {
    const s = await withOldAccounts(store, [{ username: 'lucia', password: NFD_PASSWORD }]);
    await login(s.url, 'lucia', NFD_PASSWORD).expect(200);
    await login(s.url, 'lucia', 'cafe\u0301 com pa\u0303o, nunca').expect(401);
  });

  it('when a new account signs up with a password in NFC, then the same password typed in NFD (or with compatibility forms) logs in', async () => {
    const s = await servers.start({ store });
    await login(s.url, 'lucia', NFC_PASSWORD).expect(201);
    await login(s.url, 'lucia', NFD_PASSWORD).expect(200);
    await login(s.url, 'lucia', 'ｃａｆé com pão, sempre').expect(200);
    await login(s.url, 'lucia', 'cafe com pao, sempre').expect(401);
    await login(s.url, 'ana', NFD_PASSWORD).expect(201);
    await login(s.url, 'ana', NFC_PASSWORD).expect(200);
    if (store === 'text') {
      // What was hashed is the NFKC form, whichever form was typed.
      const users = await readFile(path.join(s.dataDir, 'usuarios.txt'), 'utf8');
      const hash = /^ana;([^;]+);/m.exec(users)?.[1] ?? '';
      expect(await bcrypt.compare(NFC_PASSWORD, hash)).toBe(true);
      expect(await bcrypt.compare(NFD_PASSWORD, hash)).toBe(false);
    }
  });
});

describe('new passwords', () => {
  it.each([
    ['mariasilva', 'mariasilva', /be or contain the username/],
    ['mariasilva', 'MariaSilva2024', /be or contain the username/],
    ['maria.silva', 'Maria Silva 1990', /be or contain the username/],
    ['maria', 'eu sou a maria!', /be or contain the username/],
    ['maria', 'MeuPapo2024', /the name of this service/],
    ['maria', 'aaaaaaaa', /one character or a group of characters repeated/],
    ['maria', 'abcabcabc', /one character or a group of characters repeated/],
    ['maria', 'senhasenha', /one character or a group of characters repeated/],
    ['maria', '12345678', /runs of consecutive or repeated characters/],
    ['maria', 'abcdefgh', /runs of consecutive or repeated characters/],
    ['maria', 'ZYXWVUTS', /runs of consecutive or repeated characters/],
    ['maria', 'abcd1234', /runs of consecutive or repeated characters/],
    ['maria', 'aaaa1111', /runs of consecutive or repeated characters/],
  ])(
    'when the new account "%s" picks "%s", then it is refused with 400 invalid_password naming the rule',
    async (username, password, rule) => {
      const s = await servers.start();
      const res = await login(s.url, username, password).expect(400);
      expect(res.body.error.code).toBe('invalid_password');
      expect(res.body.error.message).toMatch(rule);
      await login(s.url, username, PASSWORD).expect(201);
    },
  );

  it('when a new password only looks like a pattern in part, then it is accepted', async () => {
    const s = await servers.start();
    for (const [username, password] of [
      ['alice', 'abc-correct-horse'],
      ['bruno', '12345678 é meu número? não'],
      ['carla', 'maria gosta de café'],
      ['dora', 'aaaaaaab'],
    ] as const)
      await login(s.url, username, password).expect(201);
  });

  it('when an account’s password has a non-NFKC form, then a login checks the NFKC form first and the typed form only when it differs', async () => {
    const calls: string[] = [];
    const hasher: PasswordHasher = {
      hash: async (p) => `h:${p}`,
      verify: async (p, h) => (calls.push(p), h === `h:${p}`),
      close: async () => undefined,
    };
    const users = new Map<string, StoredUser>([['old', { username: 'old', passwordHash: `h:${NFD_PASSWORD}` }]]);
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
    await accounts.loginOrRegister('old', NFD_PASSWORD);
    expect(calls).toEqual([NFC_PASSWORD, NFD_PASSWORD]);
    calls.length = 0;
    await expect(accounts.loginOrRegister('old', PASSWORD)).rejects.toThrow('wrong password');
    expect(calls).toEqual([PASSWORD]);
  });
});
