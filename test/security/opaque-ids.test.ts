/**
 * Issue #15, item 7: "Ids and cursors reveal everyone's activity." Message ids and cursors were one
 * server-wide sequence, so any user polling with wait=0 watched the whole server's traffic. They are opaque
 * tokens now (api/messaging/token-cipher.ts); these tests hold what that must guarantee, on both stores.
 */
import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Message, PollResponse } from '../../api/contract.js';
import { onDatabase } from '../postgres/processes.js';
import { cleanupAfterEach } from '../support/after-each.js';
import type { SpecAgent } from '../support/contract.js';
import { BASE_DATABASE_URL, adminQuery, createTestSchema, dropTestSchema, schemaOf } from '../support/postgres.js';
import { STORES, startTestServer, tempDir, testServers, type StoreKind, type TestServer } from '../support/server.js';
import { serverProcessesPerTest } from '../support/server-process.js';
import { PASSWORD, messagesOf, poll, send, signUp, statusesOf } from '../support/users.js';

const defer = cleanupAfterEach();
const servers = testServers();
const processes = serverProcessesPerTest();
const start = (store: StoreKind) => servers.start({ store });

/** Stops `s` and starts it again on the same data, after `between` (a change made while it is down). */
async function restart(s: TestServer, between: () => Promise<void> = async () => undefined): Promise<TestServer> {
  await s.stop();
  await between();
  return servers.restart(s);
}

/** Removes the key of the ids and cursors, as a data set from before they were tokens has none. */
async function removeTokenKey(s: TestServer): Promise<void> {
  const schema = s.databaseUrl === undefined ? undefined : schemaOf(s.databaseUrl);
  if (schema === undefined) await rm(path.join(s.dataDir, 'token-key.txt'), { force: true });
  else await adminQuery(`DELETE FROM ${schema}.papo_meta WHERE key IN ('token_key', 'legacy_ids_up_to')`);
}

/** Logs in again on another server (the same data after a restart, or another process). */
async function logIn(url: string, username: string): Promise<SpecAgent> {
  return signUp(url, username, PASSWORD);
}

const errorOf = (res: { body: unknown }) => (res.body as { error: { code: string; message: string } }).error;

/** A token with one character changed, keeping it well formed (so only the check inside can refuse it). */
function mangle(token: string, at = 5): string {
  const c = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + c + token.slice(at + 1);
}

const splitCursor = (cursor: string) => {
  const dash = cursor.indexOf('-');
  return { prefix: cursor.slice(0, dash), token: cursor.slice(dash + 1) };
};

describe.each(STORES)('opaque ids and cursors on the %s store', (store) => {
  it('when two users exchange 50 messages, then what a third user gets from polling, with or without a cursor, does not change at all', async () => {
    // Arrange
    const s = await start(store);
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    const carla = await signUp(s.url, 'carla');
    const fresh = await poll(carla);
    const resumed = await poll(carla, fresh.cursor);
    let brunoCursor = (await poll(bruno)).cursor;

    // Act: they talk, acknowledge and read, which takes numbers from the one sequence of the store
    for (let i = 0; i < 25; i++) {
      await send(alice, 'bruno', `ping ${i}`);
      const got = await poll(bruno, brunoCursor);
      brunoCursor = got.cursor;
      const last = messagesOf(got.events).at(-1);
      if (last) await bruno.post('/api/messages/read').send({ with: 'alice', upTo: last.id }).expect(204);
      await send(bruno, 'alice', `pong ${i}`);
    }
    await poll(bruno, brunoCursor);
    expect((await alice.get('/api/history?with=bruno&limit=200').expect(200)).body.messages).toHaveLength(50);

    // Assert: carla's answers are the same, byte for byte
    expect(await poll(carla)).toEqual(fresh);
    expect(await poll(carla, fresh.cursor)).toEqual(resumed);
    expect(await poll(carla, resumed.cursor)).toEqual(resumed);
    expect((await carla.get('/api/history').expect(200)).body).toEqual({ messages: [], before: null });
  });

  it('when messages are sent one after another, then their ids are neither numbers nor in order, and the same everywhere', async () => {
    const s = await start(store);
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    const start0 = await poll(bruno);
    const sent: Message[] = [];
    for (let i = 0; i < 20; i++) sent.push(await send(alice, 'bruno', `m${i}`));
    const ids = sent.map((m) => m.id);

    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(20);
    expect([...ids].sort()).not.toEqual(ids);
    expect([...ids].sort().reverse()).not.toEqual(ids);
    // The same message has the same id in the stream, the history and the conversation list.
    expect(messagesOf((await poll(bruno, start0.cursor)).events).map((m) => m.id)).toEqual(ids);
    expect((await bruno.get('/api/history?with=alice&limit=20').expect(200)).body.messages.map((m: Message) => m.id)).toEqual(ids);
    expect((await bruno.get('/api/conversations').expect(200)).body.conversations[0].last.id).toBe(ids.at(-1));
  });

  it('when a token of one kind is given as another, then it is refused: 400 as a cursor, 404 as a message id', async () => {
    const s = await start(store);
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    const m1 = await send(alice, 'bruno', 'first');
    await send(alice, 'bruno', 'second');
    const { cursor } = await poll(bruno);
    const { prefix, token: streamToken } = splitCursor(cursor);
    const page = (await bruno.get('/api/history?with=alice&limit=1').expect(200)).body as { before: string };
    expect(page.before).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // A message id or a page cursor as a stream cursor
    for (const token of [m1.id, page.before]) {
      const res = await bruno.get(`/api/messages?wait=0&after=${encodeURIComponent(`${prefix}-${token}`)}`).expect(400);
      expect(errorOf(res).code).toBe('invalid_cursor');
    }
    // A stream cursor or a page cursor as a message id
    for (const upTo of [streamToken, cursor, page.before]) {
      const res = await bruno.post('/api/messages/read').send({ with: 'alice', upTo }).expect(404);
      expect(errorOf(res).code).toBe('message_not_found');
    }
    // A message id or a stream cursor as a page cursor
    for (const before of [m1.id, streamToken]) {
      const res = await bruno.get(`/api/history?with=alice&before=${encodeURIComponent(before)}`).expect(400);
      expect(errorOf(res).code).toBe('invalid_cursor');
    }
    // The right kinds in the right places work.
    await bruno.post('/api/messages/read').send({ with: 'alice', upTo: m1.id }).expect(204);
    expect((await bruno.get(`/api/history?with=alice&before=${page.before}`).expect(200)).body.messages).toEqual([
      expect.objectContaining({ id: m1.id }),
    ]);
  });

  it('when a token is mangled, then the answer is the documented error (400 invalid_cursor, 404 message_not_found), never another message', async () => {
    const s = await start(store);
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    const sent: Message[] = [];
    for (let i = 0; i < 3; i++) sent.push(await send(alice, 'bruno', `m${i}`));
    const { cursor } = await poll(bruno);
    const { prefix, token } = splitCursor(cursor);
    const { before } = (await bruno.get('/api/history?with=alice&limit=1').expect(200)).body as { before: string };
    const id = sent[1]?.id ?? '';

    // Every position changed, and the last character's unused bits set (base64url that decodes to the same bytes).
    const ids = [
      ...Array.from({ length: 22 }, (_, i) => mangle(id, i)),
      id.slice(0, 21) + (id[21] === 'A' ? 'B' : 'A'),
      id.slice(1),
      `${id}A`,
    ];
    for (const upTo of ids) {
      const res = await bruno.post('/api/messages/read').send({ with: 'alice', upTo }).expect(404);
      expect(res.body).toEqual({ error: { code: 'message_not_found', message: expect.any(String) } });
    }
    for (const after of [`${prefix}-${mangle(token)}`, `${prefix}-${mangle(token, 20)}`, `${prefix}-${token.slice(2)}`]) {
      const res = await bruno.get(`/api/messages?wait=0&after=${encodeURIComponent(after)}`).expect(400);
      expect(res.body).toEqual({ error: { code: 'invalid_cursor', message: expect.any(String) } });
    }
    for (const b of [mangle(before), mangle(before, 0), before.slice(0, 21)]) {
      const res = await bruno.get(`/api/history?with=alice&before=${encodeURIComponent(b)}`).expect(400);
      expect(res.body).toEqual({ error: { code: 'invalid_cursor', message: expect.any(String) } });
    }
    // Nothing was marked read along the way.
    const history = (await alice.get('/api/history?with=bruno').expect(200)).body.messages as Message[];
    expect(history.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('when an old numeric id is used, then it works for a party to that message, is 404 for anyone else, and a number never handed out is 404', async () => {
    // Arrange: a data set from before ids were tokens (two messages, numbers 1 and 2), then the upgrade
    const before = await start(store);
    const alice = await signUp(before.url, 'alice');
    await signUp(before.url, 'bruno');
    await signUp(before.url, 'carla');
    await send(alice, 'bruno', 'old 1');
    await send(alice, 'bruno', 'old 2');
    const s = await restart(before, () => removeTokenKey(before));
    const alice2 = await logIn(s.url, 'alice');
    const bruno2 = await logIn(s.url, 'bruno');
    const carla2 = await logIn(s.url, 'carla');
    const aliceStart = await poll(alice2);
    const later = await send(alice2, 'bruno', 'new 3');

    // Act & Assert: the non-party first, then numbers above the upgrade, then the party
    for (const [who, peer] of [
      [carla2, 'alice'],
      [carla2, 'bruno'],
      [alice2, 'carla'],
    ] as const) {
      expect(errorOf(await who.post('/api/messages/read').send({ with: peer, upTo: '1' }).expect(404)).code).toBe('message_not_found');
    }
    // Message 3 exists and bruno is a party, but its number was never anyone's id.
    expect(errorOf(await bruno2.post('/api/messages/read').send({ with: 'alice', upTo: '3' }).expect(404)).code).toBe('message_not_found');
    await bruno2.post('/api/messages/read').send({ with: 'alice', upTo: '2' }).expect(204);
    const receipts = statusesOf((await poll(alice2 as SpecAgent, aliceStart.cursor)).events);
    const history = (await alice2.get('/api/history?with=bruno').expect(200)).body.messages as Message[];
    expect(history.map((m) => [m.content, m.status])).toEqual([
      ['old 1', 'read'],
      ['old 2', 'read'],
      ['new 3', 'sent'],
    ]);
    expect(receipts.map((r) => r.id)).toEqual(history.slice(0, 2).map((m) => m.id));
    expect(history[2]?.id).toBe(later.id);
    // An old page cursor (a number) still pages back, as far as the upgrade.
    const older = await bruno2.get('/api/history?with=alice&before=2').expect(200);
    expect(older.body.messages.map((m: Message) => m.content)).toEqual(['old 1']);
    await bruno2.get('/api/history?with=alice&before=3').expect(400);
  });

  it('when a numeric cursor from before cursors were tokens is used, then it is 410 whatever its number: no answer tells how many messages the server has', async () => {
    const s = await start(store);
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    for (let i = 0; i < 3; i++) await send(alice, 'bruno', `m${i}`);
    const { cursor } = await poll(bruno);
    const epoch = splitCursor(cursor).prefix.split('.')[0];

    const answers = [];
    for (const n of [0, 1, 2, 3, 4, 5, 100, 999_999_999_999]) {
      const res = await bruno.get(`/api/messages?wait=0&after=${epoch}-${n}`);
      answers.push({ status: res.status, body: res.body as unknown });
    }
    expect(answers[0]).toEqual({ status: 410, body: { error: { code: 'cursor_expired', message: expect.any(String) } } });
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    // The client reloads and polls without a cursor: nothing was acknowledged by it, nothing is lost.
    expect(messagesOf((await poll(bruno)).events).map((m) => m.content)).toEqual(['m0', 'm1', 'm2']);
  });

  it('when the server restarts on the same data, then ids, stream cursors and page cursors from before still work', async () => {
    const first = await start(store);
    const alice = await signUp(first.url, 'alice');
    const bruno = await signUp(first.url, 'bruno');
    const sent: Message[] = [];
    for (let i = 0; i < 3; i++) sent.push(await send(alice, 'bruno', `m${i}`));
    const got = await poll(bruno);
    const page = (await bruno.get('/api/history?with=alice&limit=2').expect(200)).body as { messages: Message[]; before: string };

    const second = await restart(first);
    const bruno2 = await logIn(second.url, 'bruno');
    const alice2 = await logIn(second.url, 'alice');
    expect(await poll(bruno2, got.cursor)).toEqual({ events: [], cursor: got.cursor });
    await bruno2.post('/api/messages/read').send({ with: 'alice', upTo: sent[2]?.id }).expect(204);
    const older = await bruno2.get(`/api/history?with=alice&limit=2&before=${page.before}`).expect(200);
    expect(older.body.messages.map((m: Message) => m.id)).toEqual([sent[0]?.id]);
    const after = await send(alice2, 'bruno', 'after the restart');
    expect(sent.map((m) => m.id)).not.toContain(after.id);
    expect(messagesOf((await poll(bruno2, got.cursor)).events).map((m) => m.id)).toEqual([after.id]);
  });

  it('when the key is lost but the data is not, then a new key is made, old cursors are 410 and old ids 404, and nothing is lost', async () => {
    const first = await start(store);
    const alice = await signUp(first.url, 'alice');
    const bruno = await signUp(first.url, 'bruno');
    const m = await send(alice, 'bruno', 'before the key was lost');
    const { cursor } = await poll(bruno);
    const page = (await bruno.get('/api/history?with=alice&limit=1').expect(200)).body as { messages: Message[] };

    const second = await restart(first, () => removeTokenKey(first));
    const bruno2 = await logIn(second.url, 'bruno');
    expect(errorOf(await bruno2.get(`/api/messages?wait=0&after=${cursor}`).expect(410)).code).toBe('cursor_expired');
    expect(errorOf(await bruno2.post('/api/messages/read').send({ with: 'alice', upTo: m.id }).expect(404)).code).toBe('message_not_found');
    // Reloading gets everything back, under new ids.
    const again = (await bruno2.get('/api/history?with=alice&limit=1').expect(200)).body as { messages: Message[] };
    expect(again.messages.map((x) => x.content)).toEqual(page.messages.map((x) => x.content));
    expect(again.messages[0]?.id).not.toBe(m.id);
    expect(second.log.text()).toContain('generated the key of message ids and cursors');
  });
});

describe('the key file of the text store', () => {
  it('when it is created, then only the server user can read it, and it holds one checksummed record', async () => {
    const s = await start('text');
    const file = path.join(s.dataDir, 'token-key.txt');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^papo-token-key;1;[0-9a-f]{32};0;[0-9a-f]{8}\n$/);
  });

  it('when it is damaged, then the server refuses to start and says how to recover, rather than make a new key', async () => {
    const first = await start('text');
    await first.stop();
    const file = path.join(first.dataDir, 'token-key.txt');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace(/;([0-9a-f])/, (_, c: string) => `;${c === '0' ? '1' : '0'}`),
    );
    await expect(startTestServer({ dataDir: first.dataDir })).rejects.toThrow(
      /token-key\.txt cannot be read \(checksum mismatch\).*delete it/,
    );
    expect(await readFile(file, 'utf8')).not.toBe(text);
  });

  it('when the data is restored from a backup older than a cursor, then that cursor is 410, not a silent gap', async () => {
    const first = await start('text');
    const alice = await signUp(first.url, 'alice');
    const bruno = await signUp(first.url, 'bruno');
    await send(alice, 'bruno', 'in the backup');
    await poll(bruno);
    await first.stop();
    const backup = await tempDir('papo-backup-');
    defer(() => rm(backup, { recursive: true, force: true }));
    await cp(first.dataDir, backup, { recursive: true });

    const second = await servers.restart(first);
    const bruno2 = await logIn(second.url, 'bruno');
    await send(await logIn(second.url, 'alice'), 'bruno', 'after the backup');
    const { cursor } = await poll(bruno2);
    await second.stop();
    await rm(second.dataDir, { recursive: true });
    await cp(backup, second.dataDir, { recursive: true });

    const third = await servers.restart(second);
    const bruno3 = await logIn(third.url, 'bruno');
    expect(errorOf(await bruno3.get(`/api/messages?wait=0&after=${cursor}`).expect(410)).code).toBe('cursor_expired');
  });
});

describe.skipIf(!BASE_DATABASE_URL)('opaque ids across PostgreSQL processes', () => {
  it('when two processes start at once on a new database, then each accepts the ids and cursors the other made', async () => {
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    const [a, b] = await Promise.all([processes.start(onDatabase(url)), processes.start(onDatabase(url))]);
    const alice = await signUp(a.url, 'alice');
    const brunoOnA = await signUp(a.url, 'bruno');
    const brunoOnB = await logIn(b.url, 'bruno');
    const sent: Message[] = [];
    for (let i = 0; i < 3; i++) sent.push(await send(alice, 'bruno', `m${i}`));

    const onA = await poll(brunoOnA);
    const onB: PollResponse = await poll(brunoOnB);
    expect(onB).toEqual(onA);
    expect(await poll(brunoOnB, onA.cursor)).toEqual({ events: [], cursor: onA.cursor });
    const pageA = (await brunoOnA.get('/api/history?with=alice&limit=2').expect(200)).body as { before: string };
    const olderOnB = await brunoOnB.get(`/api/history?with=alice&limit=2&before=${pageA.before}`).expect(200);
    expect(olderOnB.body.messages.map((m: Message) => m.id)).toEqual([sent[0]?.id]);
    await brunoOnB.post('/api/messages/read').send({ with: 'alice', upTo: sent[2]?.id }).expect(204);
    const statuses = (await alice.get('/api/history?with=bruno').expect(200)).body.messages.map((m: Message) => m.status);
    expect(statuses).toEqual(['read', 'read', 'read']);
  }, 60_000);
});
