/**
 * What a crash or a failed write leaves of a delete's files (issue #18): the delete is saved, then its
 * attachments are removed; a process killed between the two, or a removal that failed, must not keep the
 * files (readable by both parties) forever. The text store finds them by the deleted message's line, which is
 * only blanked once they are removed; PostgreSQL removes them in the transaction of the delete, and its sweep
 * takes what older deletes or a send that never stored its message left.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAttachments, type Attachments } from '../../api/attachments/attachments.js';
import { LongPollHub } from '../../api/messaging/long-poll.js';
import { createMessaging, type Messaging } from '../../api/messaging/messaging.js';
import type { Store } from '../../api/store/store.js';
import { NodeDisk } from '../../api/store/text/disk.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { captureLog } from '../support/log.js';
import { adminQuery, BASE_DATABASE_URL, schemaOf } from '../support/postgres.js';
import { tempDir } from '../support/server.js';
import { storeUnderTest, type StoreUnderTest } from '../postgres/helpers.js';

const DAY = 24 * 60 * 60 * 1000;

/** A disk whose renames onto anexos.txt, or unlinks in anexos/, fail while asked to. */
class FailingAttachmentDisk extends NodeDisk {
  failRewrite = false;
  failUnlink = false;
  override async rename(from: string, to: string): Promise<void> {
    if (this.failRewrite && path.basename(to) === 'anexos.txt') throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
    return super.rename(from, to);
  }
  override async unlink(file: string): Promise<void> {
    if (this.failUnlink && path.basename(path.dirname(file)) === 'anexos') throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
    return super.unlink(file);
  }
}

interface World {
  store: Store;
  attachments: Attachments;
  messaging: Messaging;
}

async function world(store: Store, now: () => Date = () => new Date()): Promise<World> {
  for (const username of ['ana', 'beto']) await store.users.create({ username, passwordHash: 'hashed:x' });
  const hub = new LongPollHub({ perUser: 2, total: 10 }, () => undefined);
  return {
    store,
    attachments: createAttachments(store.attachments, { maxBytes: 1024 * 1024, now }),
    messaging: createMessaging(store, hub, await store.messages.tokenKey()),
  };
}

async function sendFile(w: World, bytes: Buffer, name: string) {
  const a = await w.attachments.upload({ uploader: 'ana', name, body: Readable.from([bytes]), declaredLength: undefined });
  const { message } = await w.messaging.send('ana', {
    to: 'beto',
    content: `leva ${name}`,
    attachments: [a.id],
    clientId: clientIdOf(name),
  });
  return { a, message, sha: createHash('sha256').update(bytes).digest('hex') };
}

/** A clientId that does not spell the name: the text checks below look for the name. */
const clientIdOf = (name: string) => `c-${Buffer.from(name).toString('hex')}`;
const pdf = (what: string) => Buffer.from(`%PDF-1.4\n% ${what} ${Math.random()}\n`);

describe('text store: a delete whose files were not removed', () => {
  let dir = '';
  const opened: TextStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  });
  async function open(disk = new FailingAttachmentDisk()) {
    const store = await TextStore.open({ dataDir: dir, log: captureLog().logger, hashPassword: async (p) => p, sessionTtlMs: DAY, disk });
    opened.push(store);
    return store;
  }

  it('when the server stopped between the saved delete and the removal, then the next start finds the files and removes them', async () => {
    dir = await tempDir();
    const disk = new FailingAttachmentDisk();
    const first = await world(await open(disk));
    const { a, sha } = await sendFile(first, pdf('segredo-do-crash'), 'segredo-do-crash.pdf');
    const seq = (await first.store.messages.history('ana', { limit: 1 })).messages[0]?.seq ?? 0;
    // The delete's batch alone, as a kill right after it leaves it (the removal made impossible meanwhile).
    disk.failRewrite = true;
    expect(await first.store.messages.deleteForEveryone({ user: 'ana', seq, notBefore: new Date(0).toISOString() })).toMatchObject({
      kind: 'done',
    });
    await opened.pop()?.close();

    const store = await open();
    await createAttachments(store.attachments, { maxBytes: 1024 }).sweep();
    await vi.waitFor(async () => expect(await store.attachments.get(a.id)).toBeUndefined(), { timeout: 5000 });
    expect(await readdir(path.join(dir, 'anexos'))).not.toContain(sha);
    expect(await readFile(path.join(dir, 'anexos.txt'), 'utf8')).not.toContain(a.id);
    await vi.waitFor(async () => {
      for (const user of ['ana', 'beto']) {
        expect(await readFile(path.join(dir, 'historico', `history_${user}.txt`), 'utf8')).not.toContain('segredo-do-crash');
      }
    });
  });

  it('when the removal failed, then a second delete answers message_deleted and the sweep finishes the removal', async () => {
    dir = await tempDir();
    const disk = new FailingAttachmentDisk();
    const w = await world(await open(disk));
    const { a, message, sha } = await sendFile(w, pdf('falhou'), 'falhou.pdf');
    disk.failRewrite = true;
    await expect(w.messaging.changes.remove('ana', message.id, 'everyone')).rejects.toThrow();
    await expect(w.messaging.changes.remove('ana', message.id, 'everyone')).rejects.toMatchObject({ code: 'message_deleted' });
    expect(await w.store.attachments.get(a.id)).toBeDefined();
    disk.failRewrite = false;

    await w.attachments.sweep();
    await vi.waitFor(async () => expect(await w.store.attachments.get(a.id)).toBeUndefined(), { timeout: 5000 });
    expect(await readdir(path.join(dir, 'anexos'))).not.toContain(sha);
  });

  it('when the bytes could not be unlinked, then the sweep removes them', async () => {
    dir = await tempDir();
    const disk = new FailingAttachmentDisk();
    const w = await world(await open(disk));
    const { message, sha } = await sendFile(w, pdf('ficou'), 'ficou.pdf');
    disk.failUnlink = true;
    await w.messaging.changes.remove('ana', message.id, 'everyone');
    expect(await readdir(path.join(dir, 'anexos'))).toContain(sha);
    disk.failUnlink = false;

    expect(await w.attachments.sweep()).toBeGreaterThan(0);
    expect(await readdir(path.join(dir, 'anexos'))).not.toContain(sha);
  });
});

describe.skipIf(!BASE_DATABASE_URL)('postgres store: a delete takes its files in its own transaction', () => {
  let under: StoreUnderTest | undefined;
  afterEach(async () => {
    await under?.destroy();
    under = undefined;
  });

  it('when papo_delete commits, then the attachment rows and bytes are gone with it', async () => {
    under = await storeUnderTest('postgres', { now: () => new Date() });
    const w = await world(under.store);
    const { a, sha } = await sendFile(w, pdf('pg-atomico'), 'pg-atomico.pdf');
    const schema = schemaOf(under.url ?? '') ?? '';
    const seq = (await w.store.messages.history('ana', { limit: 1 })).messages[0]?.seq ?? 0;
    // The delete alone, as a process killed right after it would have left it: no second statement.
    const client = new pg.Client({ connectionString: under.url });
    await client.connect();
    try {
      await client.query(`SELECT papo_delete('ana', $1, now() - interval '1 hour', now())`, [seq]);
    } finally {
      await client.end();
    }
    expect(await adminQuery(`SELECT id FROM ${schema}.attachments WHERE id = $1`, [a.id])).toEqual([]);
    expect(await adminQuery(`SELECT sha256 FROM ${schema}.attachment_blobs WHERE sha256 = $1`, [sha])).toEqual([]);
    expect(await adminQuery(`SELECT n FROM ${schema}.attachment_chunks WHERE sha256 = $1`, [sha])).toEqual([]);
  });

  it('when a claimed upload is carried by no message a day later, then the sweep removes it', async () => {
    under = await storeUnderTest('postgres', { now: () => new Date() });
    const w = await world(under.store);
    const schema = schemaOf(under.url ?? '') ?? '';
    const kept = await sendFile(w, pdf('pg-mantido'), 'pg-mantido.pdf');
    const left = await sendFile(w, pdf('pg-orfao'), 'pg-orfao.pdf');
    // A delete from before migration 015: the message lost its files' column, their rows stayed.
    await adminQuery(`UPDATE ${schema}.messages SET attachments = NULL, deleted_at = now(), content = '' WHERE client_id = $1`, [
      clientIdOf('pg-orfao.pdf'),
    ]);
    await adminQuery(`UPDATE ${schema}.attachments SET claimed_at = now() - interval '25 hours'`);

    const later = createAttachments(w.store.attachments, { maxBytes: 1024 });
    expect(await later.sweep()).toBe(1);
    expect(await w.store.attachments.get(left.a.id)).toBeUndefined();
    expect(await adminQuery(`SELECT sha256 FROM ${schema}.attachment_blobs WHERE sha256 = $1`, [left.sha])).toEqual([]);
    expect(await w.store.attachments.get(kept.a.id)).toBeDefined();
  });
});
