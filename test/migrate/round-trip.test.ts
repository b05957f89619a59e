import { execFile } from 'node:child_process';
import { readdir, rm, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Attachment, Message } from '../../api/contract.js';
import { REPO_ROOT } from '../../api/repo-root.js';
import { PostgresStore } from '../../api/store/postgres/postgres-store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { specAgent, type SpecAgent } from '../support/contract.js';
import { captureLog } from '../support/log.js';
import { BASE_DATABASE_URL, adminQuery, createTestSchema, dropTestSchema } from '../support/postgres.js';
import { PushServiceStandIn, trustingAgent, type TestDevice } from '../support/push-service.js';
import { tempDir, testServers, type TestServer, type TestServerOptions } from '../support/server.js';
import { PASSWORD, poll, send, signUp } from '../support/users.js';

const run = promisify(execFile);
const migrateData = (from: string, to: string) =>
  run('npx', ['tsx', 'scripts/migrate-data.ts', '--no-progress', '--from', from, '--to', to], {
    cwd: REPO_ROOT,
    env: { ...process.env, BCRYPT_COST: '10' },
  });

const PUSH_ENV = { PUSH_SERVICE_HOSTS: '127.0.0.1' };
const USERS = ['ana', 'beto', 'caio'] as const;

async function photo(color: number): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 30, channels: 3, background: { r: color, g: 80, b: 40 } } })
    .jpeg()
    .toBuffer();
}

const upload = (device: SpecAgent, bytes: Buffer, name: string) =>
  device
    .post(`/api/attachments?name=${encodeURIComponent(name)}`)
    .set('Content-Type', 'application/octet-stream')
    .send(bytes)
    .expect(201);

/** Everything the API shows of the data set, to each of its users: what must be the same on every store. */
async function view(server: TestServer, attachmentIds: readonly string[]): Promise<unknown> {
  const seen: Record<string, unknown> = {};
  for (const user of USERS) {
    const me = await signUp(server.url, user);
    const history = await me.get('/api/history?limit=100').expect(200);
    const conversations = await me.get('/api/conversations').expect(200);
    const search = await Promise.all(
      ['praia', 'segunda', 'apagar', 'bloqueado', 'resposta'].map(async (q) => (await me.get(`/api/search?q=${q}`).expect(200)).body),
    );
    const blocks = (await me.get('/api/account/blocks').expect(200)).body;
    const profiles = await Promise.all(
      USERS.map(async (u) => {
        const body = (await me.get(`/api/users/${u}`).expect(200)).body as Record<string, unknown>;
        // Presence moves with every login: whether it is shown is what was carried.
        return { ...body, presence: body.presence === null ? null : 'shown' };
      }),
    );
    const files = await Promise.all(
      attachmentIds.map(async (id) => {
        const res = await me.get(`/api/attachments/${id}`).buffer(true);
        const thumb = await me.get(`/api/attachments/${id}/thumbnail`).buffer(true);
        return {
          status: res.status,
          bytes: res.status === 200 ? (res.body as Buffer).toString('base64') : null,
          thumb: thumb.status === 200 ? (thumb.body as Buffer).toString('base64') : thumb.status,
        };
      }),
    );
    const userPhoto = await me.get('/api/users/ana/photo').buffer(true);
    const deletedName = await specAgent(server.url).post('/api/session').send({ username: 'dora', password: PASSWORD });
    const stream = await poll(me);
    seen[user] = {
      history: history.body,
      conversations: conversations.body,
      search,
      blocks,
      profiles,
      files,
      photo: userPhoto.status === 200 ? (userPhoto.body as Buffer).toString('base64') : userPhoto.status,
      // The text store replays every version of an edited message, PostgreSQL the latest only (migrations/017):
      // a difference of the stores, not of the copy.
      stream: stream.events.filter(
        (e, i) => e.type !== 'edit' || !stream.events.slice(i + 1).some((later) => later.type === 'edit' && later.id === e.id),
      ),
      pushKey: (await me.get('/api/push/key').expect(200)).body,
      deletedName: { status: deletedName.status, body: deletedName.body as unknown },
    };
  }
  return seen;
}

describe.skipIf(!BASE_DATABASE_URL)('migrate-data carries every record kind, text -> PostgreSQL -> text (issues #17, #18)', () => {
  const servers = testServers();
  const defer = cleanupAfterEach();
  let service: PushServiceStandIn;
  beforeEach(async () => {
    service = await PushServiceStandIn.start();
  });
  afterEach(async () => {
    await service.close();
  });
  const start = (options: TestServerOptions) =>
    servers.start({
      ...options,
      env: { ...PUSH_ENV, ...options.env },
      push: { agent: trustingAgent(), retryBaseMs: 20, timeoutMs: 2000, liveGraceMs: 1 },
    });

  /** ana sends beto a message and beto's device, subscribed before the move, gets the push. */
  async function pushArrives(server: TestServer, device: TestDevice, content: string): Promise<void> {
    const before = service.pushesTo(device).length;
    // beto's own polls just now: a device that polled within the grace gets no push (it is live).
    await new Promise((resolve) => setTimeout(resolve, 20));
    await send(await signUp(server.url, 'ana'), 'beto', content);
    await server.running.push.drained();
    expect(service.problems).toEqual([]);
    expect(service.pushesTo(device)).toHaveLength(before + 1);
  }

  it('when a folder made through the API holds photos, replies, edits, deletes, hides, blocks, profiles and push, then each store shows the same', async () => {
    const source = await start({ store: 'text' });
    const [ana, beto, caio] = await Promise.all(USERS.map((u) => signUp(source.url, u)));
    if (!ana || !beto || !caio) throw new Error('sign-up failed');
    const praia = (await upload(ana, await photo(200), 'praia.jpg')).body.attachment as Attachment;
    const first = (
      await ana
        .post('/api/messages')
        .send({ to: 'beto', content: 'olha a praia', attachments: [praia.id] })
        .expect(201)
    ).body.message as Message;
    const second = await send(ana, 'beto', 'segunda mensagem');
    await beto.post('/api/messages').send({ to: 'ana', content: 'resposta linda', replyTo: first.id }).expect(201);
    await ana.patch(`/api/messages/${second.id}`).send({ content: 'segunda quase' }).expect(200);
    await ana.patch(`/api/messages/${second.id}`).send({ content: 'segunda editada' }).expect(200);
    const gone = (await upload(ana, await photo(20), 'segredo.jpg')).body.attachment as Attachment;
    const doomed = (
      await ana
        .post('/api/messages')
        .send({ to: 'beto', content: 'apagar isto', attachments: [gone.id] })
        .expect(201)
    ).body.message as Message;
    await ana.patch(`/api/messages/${doomed.id}`).send({ content: 'apagar isto editado' }).expect(200);
    await ana.delete(`/api/messages/${doomed.id}?for=everyone`).expect(204);
    await beto.delete(`/api/messages/${second.id}?for=me`).expect(204);
    await caio.put('/api/account/blocks/ana').expect(204);
    await send(ana, 'caio', 'bloqueado nao chega');
    await send(caio, 'beto', 'oi beto');
    const face = (await upload(ana, await photo(90), 'eu.jpg')).body.attachment as Attachment;
    await ana.patch('/api/profile').send({ displayName: 'Ana Souza 🌻', photo: face.id }).expect(200);
    await beto.patch('/api/profile').send({ lastSeenVisibility: 'nobody' }).expect(200);
    // dora writes to ana, then deletes her account: her message stays with ana, her name stays taken.
    const dora = await signUp(source.url, 'dora');
    await send(dora, 'ana', 'oi da dora');
    await dora.delete('/api/account').send({ password: PASSWORD }).expect(204);
    const device = service.newDevice();
    await beto.put('/api/push/subscription').send(device.subscription).expect(204);
    // Delivered and read marks: beto's device polls past everything, and reads ana's first message.
    const polled = await poll(beto);
    await poll(beto, polled.cursor);
    await beto.post('/api/messages/read').send({ with: 'ana', upTo: first.id }).expect(204);
    await pushArrives(source, device, 'antes da mudança');
    const ids = [praia.id, gone.id, face.id];
    const onText = await view(source, ids);
    await source.stop();

    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    await migrateData(source.dataDir, url);
    // Deleted means gone, in the database too.
    expect(await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.messages WHERE content LIKE '%apagar%'`)).toEqual([{ n: 0 }]);
    expect(await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.events WHERE content LIKE '%apagar%'`)).toEqual([{ n: 0 }]);
    // And an edit keeps only the latest text there (migrations/017).
    expect(await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.events WHERE content = 'segunda quase'`)).toEqual([{ n: 0 }]);
    const onPg = await start({ store: 'postgres', databaseUrl: url });
    expect(await view(onPg, ids)).toEqual(onText);
    await pushArrives(onPg, device, 'depois da mudança');
    const afterPush = await view(onPg, ids);
    await onPg.stop();

    const back = path.join(await tempDir(), 'back');
    defer(() => rm(path.dirname(back), { recursive: true, force: true }));
    const out = await migrateData(url, back);
    expect(out.stdout).toMatch(/: 4 users, \d+ history records, 2 attachments/);
    expect(await readFile(path.join(back, 'usuarios.txt'), 'utf8')).toMatch(/^dora;!deleted;[0-9a-f]{8}$/m);
    expect((await readFile(path.join(back, 'historico', 'history_ana.txt'), 'utf8')).includes('apagar')).toBe(false);
    const onTextAgain = await start({ store: 'text', dataDir: back });
    expect(await view(onTextAgain, ids)).toEqual(afterPush);
    await pushArrives(onTextAgain, device, 'de volta');
  }, 120_000);

  it('when an attachment in the folder is damaged, then the import stops in one line, the database refuses to serve half a copy, and a second run after the repair finishes it', async () => {
    const source = await start({ store: 'text' });
    const ana = await signUp(source.url, 'ana');
    await signUp(source.url, 'beto');
    const a = (await upload(ana, await photo(120), 'p.jpg')).body.attachment as Attachment;
    await ana
      .post('/api/messages')
      .send({ to: 'beto', content: 'foto', attachments: [a.id] })
      .expect(201);
    await source.stop();
    const bytesDir = path.join(source.dataDir, 'anexos');
    const [blob] = (await readdir(bytesDir)).filter((n) => /^[0-9a-f]{64}$/.test(n)).sort();
    if (blob === undefined) throw new Error('no bytes kept');
    const good = await readFile(path.join(bytesDir, blob));
    await writeFile(path.join(bytesDir, blob), Buffer.concat([good, Buffer.from('x')]));
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));

    const failed = await migrateData(source.dataDir, url).catch((err: { stderr: string; code: number }) => err);
    expect(failed).toMatchObject({ code: 1 });
    const line = (failed as { stderr: string }).stderr;
    expect(line).toMatch(/^migrate-data: .*anexos\/[0-9a-f]{64}.*damaged.*\n$/);
    await expect(PostgresStore.open({ url, poolSize: 2, log: captureLog().logger, sessionTtlMs: 60_000 })).rejects.toThrow(
      /unfinished copy/,
    );
    await expect(migrateData(url, path.join(await tempDir(), 'x'))).rejects.toMatchObject({
      stderr: expect.stringContaining('unfinished'),
    });

    await writeFile(path.join(bytesDir, blob), good);
    await migrateData(source.dataDir, url);
    const store = await PostgresStore.open({ url, poolSize: 2, log: captureLog().logger, sessionTtlMs: 60_000 });
    await store.close();
  }, 60_000);

  it('when a file in the database is damaged, then the export stops in one line and leaves no folder', async () => {
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    const server = await start({ store: 'postgres', databaseUrl: url });
    const ana = await signUp(server.url, 'ana');
    await upload(ana, await photo(60), 'p.jpg');
    await server.stop();
    await adminQuery(`UPDATE ${schema}.attachment_chunks SET data = '\\x00'::bytea`);
    const parent = await tempDir();
    defer(() => rm(parent, { recursive: true, force: true }));

    await expect(migrateData(url, path.join(parent, 'out'))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^migrate-data: the bytes of attachment [0-9a-f]{64} in the database are damaged\n$/),
    });
    expect(await readdir(parent)).toEqual([]);
  }, 60_000);
});
