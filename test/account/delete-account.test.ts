/**
 * "Delete my account" (issue #17): only with the password, and only one's own; every session ends at once;
 * the name is reserved forever; what the person sent stays with the people they sent it to, shown as from a
 * deleted account; what they received stays in its senders' histories, untouched; their own history and
 * queue leave every file or row; wrong passwords are rate-limited, as for a password change. On both stores.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../api/repo-root.js';
import { PostgresStore } from '../../api/store/postgres/postgres-store.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { captureLog } from '../support/log.js';
import type { ConversationsResponse, HistoryResponse, SearchResponse, UserProfile } from '../../api/contract.js';
import { BASE_DATABASE_URL, adminQuery, createTestSchema, dropTestSchema, schemaOf } from '../support/postgres.js';
import { STORES, startTestServer, tempDir, testServers, type TestServer } from '../support/server.js';
import { PASSWORD, messagesOf, poll, send, signUp } from '../support/users.js';
import { specAgent, type SpecAgent } from '../support/contract.js';

const servers = testServers();

/** The files of the data folder holding the text (grep -r -l), relative to it, sorted. */
function filesHolding(s: TestServer, text: string): string[] {
  try {
    const out = execFileSync('grep', ['-r', '-l', '-F', text, s.dataDir], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter((l) => l !== '')
      .map((f) => path.relative(s.dataDir, f))
      .sort();
  } catch {
    return []; // grep exits 1 when nothing matches
  }
}

/**
 * Where the user is still named in the server's data. Text store: the files (grep -r), which may only be the
 * tombstone in usuarios.txt and other people's histories. PostgreSQL: the tables of the user's own rows
 * (`deliveries` and `read_marks` stay: they are the status of the senders' copies, and hold no text).
 */
async function placesNaming(s: TestServer, username: string): Promise<string[]> {
  if (s.store === 'text') return filesHolding(s, username);
  const schema = schemaOf(s.databaseUrl ?? '');
  const own: Array<[string, string]> = [
    ['events', 'username'],
    ['conversations', 'username'],
    ['push_subscriptions', 'username'],
    ['profiles', 'username'],
    ['blocks', 'blocker'],
    ['blocks', 'blocked'],
  ];
  const found: string[] = [];
  for (const [table, column] of own) {
    const rows = await adminQuery(`SELECT 1 FROM "${schema}".${table} WHERE ${column} = $1 LIMIT 1`, [username]);
    if (rows.length > 0) found.push(`${table}.${column}`);
  }
  const sessions = await adminQuery(`SELECT 1 FROM "${schema}".session WHERE sess->>'username' = $1 LIMIT 1`, [username]);
  if (sessions.length > 0) found.push('session');
  return found;
}

/** Bruno's side of a conversation as he sees it: sender, text, status, deleted. */
async function historyAsSeenBy(device: SpecAgent, peer: string) {
  const res = await device.get(`/api/history?with=${peer}`).expect(200);
  return (res.body as HistoryResponse).messages.map((m) => [m.from, m.content, m.status, m.deleted ?? false]);
}

async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(STORES)('DELETE /api/account (%s store)', (store) => {
  it('when the password is wrong, then 401 wrong_password as a password change, and nothing changes', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    const res = await alice.delete('/api/account').send({ password: 'not the password' }).expect(401);
    expect(res.body.error.code).toBe('wrong_password');
    const change = await alice
      .post('/api/account/password')
      .send({ currentPassword: 'not the password', newPassword: 'another good password' });
    expect([change.status, change.body.error.code]).toEqual([401, 'wrong_password']);
    await alice.get('/api/session').expect(200);
    await signUp(s.url, 'alice');
  });

  it("when bruno sends alice's password, then only bruno's own account is at stake: 401 and alice is intact", async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice', 'a secret of her own');
    const bruno = await signUp(s.url, 'bruno');
    await bruno.delete('/api/account').send({ password: 'a secret of her own' }).expect(401);
    // There is no way to name another account: a username in the body is refused.
    await bruno.delete('/api/account').send({ password: PASSWORD, username: 'alice' }).expect(400);
    await alice.get('/api/session').expect(200);
    await bruno.get('/api/session').expect(200);
  });

  it('when alice deletes her account, then every session ends, her name is reserved, and bruno keeps her messages, shown as from a deleted account', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    const alicePhone = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    await alice.patch('/api/profile').send({ displayName: 'Alice Liddell' }).expect(200);
    await alice.put('/api/account/blocks/carla').expect(404); // no carla: blocks only name accounts
    await signUp(s.url, 'carla');
    await alice.put('/api/account/blocks/carla').expect(204);
    await send(alice, 'bruno', 'what alice said');
    const secret = `received-${Date.now()}-zq`;
    await send(bruno, 'alice', secret);
    expect(messagesOf((await poll(alice)).events).map((m) => m.content)).toContain(secret);
    await poll(bruno, (await poll(bruno)).cursor); // bruno has what alice sent: it leaves the queue

    const res = await alice.delete('/api/account').send({ password: PASSWORD }).expect(204);
    expect(String(res.headers['set-cookie'])).toMatch(/papo\.sid=;/);
    await alice.get('/api/session').expect(401);
    await alicePhone.get('/api/session').expect(401);

    // The name is reserved: no login, no sign-up.
    for (const password of [PASSWORD, 'a brand new password']) {
      const again = await specAgent(s.url).post('/api/session').send({ username: 'Alice', password });
      expect([again.status, again.body.error.code]).toEqual([409, 'username_unavailable']);
    }

    // Bruno still has what she sent and what he sent her, text and all; she shows as deleted; nothing more
    // can be sent to her.
    const history = ((await bruno.get('/api/history?with=alice').expect(200)).body as HistoryResponse).messages;
    expect(history.map((m) => [m.from, m.content, m.deleted ?? false])).toEqual([
      ['alice', 'what alice said', false],
      ['bruno', secret, false],
    ]);
    const profile = (await bruno.get('/api/users/alice').expect(200)).body as UserProfile;
    expect(profile).toEqual({ username: 'alice', displayName: null, presence: null, photoUrl: null, deleted: true });
    const conversations = ((await bruno.get('/api/conversations').expect(200)).body as ConversationsResponse).conversations;
    expect(conversations.map((c) => [c.with, c.deleted])).toEqual([['alice', true]]);
    const refused = await bruno.post('/api/messages').send({ to: 'alice', content: 'are you there?' });
    expect([refused.status, refused.body.error.code]).toEqual([410, 'account_deleted']);

    // Her own history and rows are gone; she is named only by her tombstone and in other people's histories.
    const allowed = store === 'text' ? ['historico/history_bruno.txt', 'usuarios.txt'] : [];
    expect(await eventually(async () => JSON.stringify(await placesNaming(s, 'alice')) === JSON.stringify(allowed))).toBe(true);
    if (store === 'text') {
      // What she received is only in its sender's history now.
      expect(filesHolding(s, secret)).toEqual(['historico/history_bruno.txt']);
      expect(existsSync(path.join(s.dataDir, 'historico', 'history_alice.txt'))).toBe(false);
      const users = readFileSync(path.join(s.dataDir, 'usuarios.txt'), 'utf8');
      expect(users.split('\n').filter((l) => l.startsWith('alice;'))).toEqual([expect.stringMatching(/^alice;!deleted;[0-9a-f]+$/)]);
      for (const file of ['perfis.txt', 'bloqueios.txt', 'sessions.txt']) {
        expect(readFileSync(path.join(s.dataDir, file), 'utf8')).not.toMatch(/alice|Liddell/);
      }
    }

    // And after a restart, still reserved, still deleted.
    const again = await servers.restart(s);
    const login = await specAgent(again.url).post('/api/session').send({ username: 'alice', password: PASSWORD });
    expect([login.status, login.body.error.code]).toEqual([409, 'username_unavailable']);
    const bruno2 = await signUp(again.url, 'bruno');
    expect(((await bruno2.get('/api/users/alice').expect(200)).body as UserProfile).deleted).toBe(true);
  });

  it('when bruno had sent alice messages, then after she deletes her account he still sees each, same text, same status', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    const delivered = `delivered-${Date.now()}-qx`;
    const queued = `still-queued-${Date.now()}-qx`;
    await send(bruno, 'alice', delivered);
    await poll(alice, (await poll(alice)).cursor); // acknowledged: "delivered" in his history
    await send(bruno, 'alice', queued); // never fetched: still in her queue
    const before = await historyAsSeenBy(bruno, 'alice');
    expect(before).toEqual([
      ['bruno', delivered, 'delivered', false],
      ['bruno', queued, 'sent', false],
    ]);

    await alice.delete('/api/account').send({ password: PASSWORD }).expect(204);

    expect(await historyAsSeenBy(bruno, 'alice')).toEqual(before);
    const found = ((await bruno.get(`/api/search?q=${queued}`).expect(200)).body as SearchResponse).messages;
    expect(found.map((m) => m.content)).toEqual([queued]);
    if (store === 'text') {
      // Her queue went (mensagens.txt compacted, the journal started afresh): the texts are in his history only.
      const onlyHis = ['historico/history_bruno.txt'];
      expect(
        await eventually(async () => [delivered, queued].every((t) => JSON.stringify(filesHolding(s, t)) === JSON.stringify(onlyHis))),
      ).toBe(true);
    }
    const again = await servers.restart(s);
    expect(await historyAsSeenBy(await signUp(again.url, 'bruno'), 'alice')).toEqual(before);
  });

  it('when wrong passwords keep coming, then deleting and changing the password answer 429 with Retry-After, as a login does', async () => {
    const s = await servers.start({ store, env: { LOGIN_FAILURES_PER_DEVICE: '3' } });
    const alice = await signUp(s.url, 'alice');
    for (let i = 0; i < 3; i++)
      await alice
        .delete('/api/account')
        .send({ password: `guess ${i}` })
        .expect(401);
    const limited = await alice.delete('/api/account').send({ password: PASSWORD });
    expect([limited.status, limited.body.error.code]).toEqual([429, 'too_many_requests']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const change = await alice.post('/api/account/password').send({ currentPassword: PASSWORD, newPassword: 'another good password' });
    expect(change.status).toBe(429);
    expect(Number(change.headers['retry-after'])).toBeGreaterThan(0);
    // The limit holds across a restart, as the login limits do.
    const again = await servers.restart(s, { env: { LOGIN_FAILURES_PER_DEVICE: '3' } });
    const alice2 = await signUp(again.url, 'alice');
    expect((await alice2.delete('/api/account').send({ password: PASSWORD })).status).toBe(429);
  });
});

describe.skipIf(!BASE_DATABASE_URL)('POST /api/messages to an account deleted on another process (postgres store)', () => {
  const defer = cleanupAfterEach();

  it('when alice deleted her account on another process, then bruno gets 410, nothing is stored, and his attachment is his to send again', async () => {
    const here = await servers.start({ store: 'postgres' });
    const there = await startTestServer({ store: 'postgres', ...(here.databaseUrl ? { databaseUrl: here.databaseUrl } : {}) });
    defer(() => there.stop());
    const bruno = await signUp(here.url, 'bruno');
    await signUp(here.url, 'carla');
    const alice = await signUp(there.url, 'alice');
    await send(bruno, 'alice', 'hello'); // this process knows alice, alive
    await alice.delete('/api/account').send({ password: PASSWORD }).expect(204);

    const upload = await bruno
      .post('/api/attachments?name=note.txt')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from('a note for alice'))
      .expect(201);
    const id = (upload.body as { attachment: { id: string } }).attachment.id;
    const refused = await bruno.post('/api/messages').send({ to: 'alice', content: 'are you there?', attachments: [id], clientId: 'c1' });
    expect([refused.status, refused.body]).toEqual([
      410,
      { error: { code: 'account_deleted', message: expect.stringContaining('alice') } },
    ]);
    expect((await historyAsSeenBy(bruno, 'alice')).map(([from, content]) => [from, content])).toEqual([['bruno', 'hello']]);
    // The refused send's claim was taken back: the file goes with his next message, to someone else.
    await bruno
      .post('/api/messages')
      .send({ to: 'carla', content: 'for you', attachments: [id] })
      .expect(201);
    // And the next one too: the send's own statement refuses it each time.
    const again = await bruno.post('/api/messages').send({ to: 'alice', content: 'still?' });
    expect([again.status, again.body.error.code]).toEqual([410, 'account_deleted']);
  });
});

describe('a deleted account in the files and tools', () => {
  const defer = cleanupAfterEach();
  const openText = (dataDir: string) =>
    TextStore.open({ dataDir, log: captureLog().logger, hashPassword: async (p) => p, sessionTtlMs: 60_000 });

  it('when a stop came right after the tombstone, then the next start finishes the deletion, and the name stays reserved', async () => {
    const dir = await tempDir();
    defer(() => rm(dir, { recursive: true, force: true }));
    const store = await openText(dir);
    await store.users.create({ username: 'ana', passwordHash: '$2b$10$ana' });
    await store.users.create({ username: 'beto', passwordHash: '$2b$10$beto' });
    await store.messages.append({ from: 'beto', to: 'ana', content: 'only ana read this' });
    await store.messages.append({ from: 'ana', to: 'beto', content: 'ana said this' });
    await store.profiles.update('ana', { displayName: 'Ana Maria' });
    await store.blocks.block('ana', 'beto');
    // The first step alone, as a kill -9 right after it would leave it.
    expect(await store.users.writeTombstone('ana')).toBe(true);
    await store.close();
    expect(existsSync(path.join(dir, 'historico', 'history_ana.txt'))).toBe(true);

    const again = await openText(dir);
    expect(existsSync(path.join(dir, 'historico', 'history_ana.txt'))).toBe(false);
    expect(readFileSync(path.join(dir, 'perfis.txt'), 'utf8')).not.toContain('ana');
    expect(readFileSync(path.join(dir, 'bloqueios.txt'), 'utf8')).toBe('');
    expect(await again.users.find('ana')).toBeUndefined();
    expect([again.users.exists('ana'), again.users.isDeleted('ana')]).toEqual([true, true]);
    expect(await again.users.create({ username: 'ana', passwordHash: '$2b$10$new' })).toBe(false);
    const beto = await again.messages.history('beto', { limit: 10 });
    expect(beto.messages.map((m) => [m.from, m.content, m.deleted ?? false])).toEqual([
      ['beto', 'only ana read this', false],
      ['ana', 'ana said this', false],
    ]);
    await again.close();
  }, 30_000);

  it('when its tombstone line is damaged, then the name stays reserved: the account is locked, never free', async () => {
    const dir = await tempDir();
    defer(() => rm(dir, { recursive: true, force: true }));
    const store = await openText(dir);
    await store.users.create({ username: 'ana', passwordHash: '$2b$10$ana' });
    await store.users.create({ username: 'beto', passwordHash: '$2b$10$beto' });
    expect(await store.deleteAccount('ana')).toEqual({ kind: 'deleted', grew: [] });
    await store.close();
    const file = path.join(dir, 'usuarios.txt');
    const users = readFileSync(file, 'utf8');
    for (const damaged of [users.replace('ana;!deleted;', 'ana;!deletxd;'), users.replace(/ana;!deleted;[0-9a-f]+\n/, 'ana;!del\n')]) {
      // In the middle of the file, and as its last line (cut like a torn tail, yet still naming the account).
      const lines = damaged.split('\n').filter((l) => l !== '');
      for (const order of [lines, [...lines].reverse()]) {
        writeFileSync(file, order.map((l) => `${l}\n`).join(''));
        const again = await openText(dir);
        expect(again.users.exists('ana')).toBe(true);
        expect(await again.users.create({ username: 'ana', passwordHash: '$2b$10$new' })).toBe(false);
        expect(await again.users.find('ana')).toBeUndefined();
        await again.close();
      }
    }
  }, 30_000);

  it('when the folder holds a deleted account, then migrate-data carries its tombstone: the name stays taken on PostgreSQL', async () => {
    if (BASE_DATABASE_URL === undefined) return;
    const dir = await tempDir();
    defer(() => rm(dir, { recursive: true, force: true }));
    const store = await openText(dir);
    await store.users.create({ username: 'ana', passwordHash: '$2b$10$ana' });
    await store.users.create({ username: 'beto', passwordHash: '$2b$10$beto' });
    await store.deleteAccount('ana');
    await store.close();
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    await migrateData(dir, url);
    const pg = await PostgresStore.open({ url, poolSize: 2, log: captureLog().logger, sessionTtlMs: 60_000 });
    try {
      expect([await pg.users.exists('ana'), await pg.users.isDeleted('ana'), await pg.users.find('ana')]).toEqual([true, true, undefined]);
      expect(await pg.users.create({ username: 'ana', passwordHash: '$2b$10$new' })).toBe(false);
    } finally {
      await pg.close();
    }
  }, 60_000);

  it('when the database holds a deleted account, then export-data carries its tombstone: the name stays taken in the folder', async () => {
    if (BASE_DATABASE_URL === undefined) return;
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    const store = await PostgresStore.open({ url, poolSize: 2, log: captureLog().logger, sessionTtlMs: 60_000 });
    await store.users.create({ username: 'ana', passwordHash: 'hash-a' });
    expect(await store.deleteAccount('ana')).toEqual({ kind: 'deleted', grew: [] });
    expect(await store.deleteAccount('ana')).toEqual({ kind: 'not_found' });
    expect([await store.users.exists('ana'), await store.users.isDeleted('ana'), await store.users.find('ana')]).toEqual([
      true,
      true,
      undefined,
    ]);
    await store.close();
    const to = path.join(await tempDir(), 'exported');
    await migrateData(url, to);
    const text = await openText(to);
    try {
      expect([text.users.exists('ana'), await text.users.isDeleted('ana'), await text.users.find('ana')]).toEqual([true, true, undefined]);
      expect(await text.users.create({ username: 'ana', passwordHash: '$2b$10$new' })).toBe(false);
    } finally {
      await text.close();
    }
  }, 60_000);
});

const run = promisify(execFile);
const migrateData = (from: string, to: string) =>
  run('npx', ['tsx', 'scripts/migrate-data.ts', '--from', from, '--to', to], {
    cwd: REPO_ROOT,
    env: { ...process.env, BCRYPT_COST: '10' },
  });
