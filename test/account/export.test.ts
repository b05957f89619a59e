/**
 * Export my data (issue #17): GET /api/account/export is a zip of everything Papo keeps about the session's
 * user (docs/export-format.md), read here with a real zip reader. On both stores.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fromBufferPromise } from 'yauzl';
import type { Attachment, Message } from '../../api/contract.js';
import { createDevices } from '../../api/accounts/devices.js';
import { createAccountExport } from '../../api/accounts/export/account-export.js';
import type { ExportedAccount, ExportedMessage } from '../../api/accounts/export/export-format.js';
import { createAttachments } from '../../api/attachments/attachments.js';
import type { MessageRepository } from '../../api/store/store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { HASH, storeUnderTest } from '../postgres/helpers.js';
import { TcpProxy } from '../postgres/tcp-proxy.js';
import { BASE_DATABASE_URL } from '../support/postgres.js';
import type { SpecAgent } from '../support/contract.js';
import { STORES, startTestServer, testServers } from '../support/server.js';
import { poll, send, signUp } from '../support/users.js';

const servers = testServers();
const defer = cleanupAfterEach();

/** Every entry of a zip, by name, as a zip tool reads it (central directory, CRCs checked). */
async function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  const file = await fromBufferPromise(zip, { lazyEntries: true });
  const entries = new Map<string, Buffer>();
  return new Promise((resolve, reject) => {
    file.on('error', reject);
    file.on('end', () => resolve(entries));
    file.on('entry', (entry: { fileName: string }) => {
      file
        .openReadStreamPromise(entry as Parameters<typeof file.openReadStreamPromise>[0])
        .then(async (stream) => {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          entries.set(entry.fileName, Buffer.concat(chunks));
          file.readEntry();
        })
        .catch(reject);
    });
    file.readEntry();
  });
}

/** The zip as bytes (supertest would read it as text); an error answer as its JSON, for the contract check. */
function download(device: SpecAgent, url = '/api/account/export') {
  return device
    .get(url)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        done(null, res.headers['content-type'] === 'application/zip' ? bytes : JSON.parse(bytes.toString('utf8')));
      });
    });
}

function upload(device: SpecAgent, bytes: Buffer, name: string) {
  return device
    .post(`/api/attachments?name=${encodeURIComponent(name)}`)
    .set('Content-Type', 'application/octet-stream')
    .send(bytes);
}

const linesOf = (text: Buffer): ExportedMessage[] =>
  text
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ExportedMessage);

describe.each(STORES)('GET /api/account/export (%s store)', (store) => {
  it('when ana exports, then the zip holds her account, her whole history with edits, deletes and replies, and her files; nothing of others', async () => {
    const s = await servers.start({ store });
    const ana = await signUp(s.url, 'ana');
    const beto = await signUp(s.url, 'beto');
    const caio = await signUp(s.url, 'caio');
    await ana.patch('/api/profile').send({ displayName: 'Ana Souza' }).expect(200);
    await ana.put('/api/account/blocks/caio').expect(204);

    const mine = (await upload(ana, Buffer.from('%PDF-1.4\n% a nota da ana\n'), 'nota.pdf').expect(201)).body.attachment as Attachment;
    const withFile = (
      await ana
        .post('/api/messages')
        .send({ to: 'beto', content: 'segue a nota', attachments: [mine.id] })
        .expect(201)
    ).body.message as Message;
    const his = (await upload(beto, Buffer.from('lista de compras: pão, café'), 'lista.txt').expect(201)).body.attachment as Attachment;
    await beto
      .post('/api/messages')
      .send({ to: 'ana', content: '', attachments: [his.id] })
      .expect(201);
    const edited = await send(ana, 'beto', 'vejo você às 8');
    await ana.patch(`/api/messages/${edited.id}`).send({ content: 'vejo você às 9' }).expect(200);
    const deleted = await send(ana, 'beto', 'texto-que-some-7Qx');
    await ana.delete(`/api/messages/${deleted.id}?for=everyone`).expect(204);
    const question = await send(beto, 'ana', 'tudo certo?');
    await ana.post('/api/messages').send({ to: 'beto', content: 'tudo!', replyTo: question.id }).expect(201);
    const hidden = await send(beto, 'ana', 'só pra mim');
    await ana.delete(`/api/messages/${hidden.id}?for=me`).expect(204);
    await send(caio, 'ana', 'mensagem-retida-caio');
    await send(beto, 'caio', 'conversa-de-beto-e-caio');
    // Beto's app received everything: ana's copies say delivered.
    await poll(beto, (await poll(beto)).cursor);

    const res = await download(ana).expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['cache-control']).toBe('no-store');
    const today = new Date().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="papo-ana-${today}.zip"`);
    const entries = await unzip(res.body as Buffer);
    expect([...entries.keys()]).toEqual([
      'README.txt',
      'account.json',
      'messages.jsonl',
      `attachments/${mine.id}/nota.pdf`,
      `attachments/${his.id}/lista.txt`,
    ]);
    expect(entries.get(`attachments/${mine.id}/nota.pdf`)?.toString()).toBe('%PDF-1.4\n% a nota da ana\n');
    expect(entries.get(`attachments/${his.id}/lista.txt`)?.toString()).toBe('lista de compras: pão, café');
    expect(entries.get('README.txt')?.toString()).toContain('messages.jsonl');

    const account = JSON.parse(entries.get('account.json')?.toString() ?? '') as ExportedAccount;
    expect(account).toMatchObject({
      format: 1,
      username: 'ana',
      profile: { displayName: 'Ana Souza', lastSeenVisibility: 'everyone', photo: null },
      blocked: [{ username: 'caio' }],
      devices: [{ name: expect.any(String), current: true }],
      pushSubscriptions: [],
    });
    if (store === 'postgres') expect(account.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    else expect(account.createdAt).toBeNull();

    const lines = linesOf(entries.get('messages.jsonl') ?? Buffer.alloc(0));
    expect(lines.map((m) => [m.direction, m.with, m.content])).toEqual([
      ['sent', 'beto', 'segue a nota'],
      ['received', 'beto', ''],
      ['sent', 'beto', 'vejo você às 9'],
      ['sent', 'beto', ''],
      ['received', 'beto', 'tudo certo?'],
      ['sent', 'beto', 'tudo!'],
      ['received', 'beto', 'só pra mim'],
    ]);
    expect(lines[0]).toMatchObject({ id: withFile.id, from: 'ana', to: 'beto', status: 'delivered' });
    expect(lines[0]?.attachments).toEqual([{ ...mine, file: `attachments/${mine.id}/nota.pdf` }]);
    expect(lines[2]?.editedAt).toEqual(expect.any(String));
    expect(lines[3]).toMatchObject({ id: deleted.id, deleted: true, content: '' });
    expect(lines[3]).not.toHaveProperty('attachments');
    expect(lines[5]?.replyTo).toEqual({ id: question.id, from: 'beto' });
    expect(lines[6]).toMatchObject({ id: hidden.id, hidden: true });

    // Nothing anywhere in the download: the deleted text, the withheld message, others' conversations, secrets.
    const everything = Buffer.concat([...entries.values(), res.body as Buffer]).toString('utf8');
    for (const absent of ['texto-que-some-7Qx', 'vejo você às 8', 'mensagem-retida-caio', 'conversa-de-beto-e-caio', '$2']) {
      expect(everything).not.toContain(absent);
    }
    expect(everything).not.toMatch(/passwordHash|password_hash|vapid|privateKey|secret/i);
    if (store === 'text') {
      const hash = (await readFile(path.join(s.dataDir, 'usuarios.txt'), 'utf8')).match(/\$2[aby]\$[^\s;|]+/)?.[0];
      expect(hash).toBeDefined();
      expect(everything).not.toContain(hash);
    }
  });

  it('when beto exports, then he gets his own data only, and no parameter can name another user', async () => {
    const s = await servers.start({ store });
    const ana = await signUp(s.url, 'ana');
    const beto = await signUp(s.url, 'beto');
    await signUp(s.url, 'caio');
    await send(ana, 'caio', 'entre-ana-e-caio');
    await send(beto, 'ana', 'oi ana');

    const refused = await download(beto, '/api/account/export?username=ana').expect(400);
    expect(refused.body.error.code).toBe('invalid_request');

    const entries = await unzip((await download(beto).expect(200)).body as Buffer);
    expect((JSON.parse(entries.get('account.json')?.toString() ?? '') as ExportedAccount).username).toBe('beto');
    expect(linesOf(entries.get('messages.jsonl') ?? Buffer.alloc(0)).map((m) => [m.from, m.to, m.content])).toEqual([
      ['beto', 'ana', 'oi ana'],
    ]);
    expect([...entries.values()].join('')).not.toContain('entre-ana-e-caio');
  });

  it('when there is no session, then 401', async () => {
    const s = await servers.start({ store });
    const anon = await signUp(s.url, 'ana');
    await anon.delete('/api/session').expect(204);
    const res = await download(anon).expect(401);
    expect(res.body.error.code).toBe('not_authenticated');
  });
});

describe.each(STORES)('the export as a stream (%s store)', (kind) => {
  it('when the reader stops reading, then the history stops being read; when it reads on, every message arrives', async () => {
    const { store, destroy } = await storeUnderTest(kind);
    defer(destroy);
    for (const username of ['ana', 'beto']) await store.users.create({ username, passwordHash: HASH });
    const total = 3000;
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          // Random text, so the zip's compression cannot swallow the whole history into its buffers.
          store.messages.append({
            from: j % 2 === 0 ? 'ana' : 'beto',
            to: j % 2 === 0 ? 'beto' : 'ana',
            content: randomBytes(750).toString('base64'),
          }),
        ),
      );
    }
    // The real repository, with its pages counted.
    let pages = 0;
    const messages: MessageRepository = Object.create(store.messages) as MessageRepository;
    messages.exportPage = (user, after, limit) => {
      pages++;
      return store.messages.exportPage(user, after, limit);
    };
    const pageSize = 10;
    const exporter = createAccountExport({
      store: { ...store, users: store.users, profiles: store.profiles, blocks: store.blocks, push: store.push, messages },
      attachments: createAttachments(store.attachments, { maxBytes: 1024 * 1024 }),
      devices: createDevices(store.sessions, 20),
      pageSize,
    });

    const { body } = await exporter.start('ana', 'no-session');
    await once(body, 'readable');
    const first = body.read() as Buffer;
    expect(first.length).toBeGreaterThan(0);
    // Until the export stops reading: the buffers between the history and the reader are full.
    for (let seen = -1; seen !== pages;) {
      seen = pages;
      await sleep(300);
    }
    // They hold some hundreds of KiB (each stream of the zip's pipeline buffers some), not the 3.6 MB history.
    expect(pages).toBeLessThan(total / pageSize / 3);

    const chunks = [first];
    for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(pages).toBe(total / pageSize + 1);
    const lines = linesOf((await unzip(Buffer.concat(chunks))).get('messages.jsonl') ?? Buffer.alloc(0));
    expect(lines).toHaveLength(total);
    expect(new Set(lines.map((m) => m.id)).size).toBe(total);
  }, 60_000);
});

describe.skipIf(!BASE_DATABASE_URL)('the export when PostgreSQL is away', () => {
  it('when the database cannot be reached, then 503 unavailable, as a JSON error and no zip', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(BASE_DATABASE_URL ?? 'postgres://x').port || 5432));
    await proxy.start();
    defer(() => proxy.cut());
    const first = await startTestServer({ store: 'postgres' });
    await first.stop();
    const viaProxy = new URL(first.databaseUrl ?? '');
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const s = await startTestServer({ store: 'postgres', databaseUrl: viaProxy.toString(), dataDir: first.dataDir });
    defer(() => s.destroy());
    const ana = await signUp(s.url, 'ana');

    await proxy.cut();
    const res = await download(ana).expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error.code).toBe('unavailable');
  }, 30_000);
});
