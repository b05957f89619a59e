import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeJournal, historyFileKey, QUEUE_FILE, USERS_FILE } from '../../api/store/text/journal.js';
import { encodeHistory, encodeQueue, encodeUser } from '../../api/store/text/records.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { captureLog, type CapturedLog } from '../support/log.js';
import { tempDir } from '../support/server.js';

const stores: TextStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function open(dataDir: string, log: CapturedLog = captureLog()): Promise<TextStore> {
  const store = await TextStore.open({
    dataDir,
    log: log.logger,
    hashPassword: async (p) => `hashed:${p}`,
    sessionTtlMs: 60_000,
    now: () => new Date('2026-01-02T03:04:05.678Z'),
  });
  stores.push(store);
  return store;
}

const HASH = '$2b$10$abcdefghijklmnopqrstuuKx9JZJ0cM5cQ8Q8Q8Q8Q8Q8Q8Q8Q8Q8';

describe('TextStore files', () => {
  it('when a message is appended and the store closes, then the queue and both histories hold exactly these bytes', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await store.users.create({ username: 'ana', passwordHash: HASH });
    await store.users.create({ username: 'beto', passwordHash: HASH });
    const r = await store.messages.append({ from: 'ana', to: 'beto', content: 'x;y\\z\n', clientId: 'k1' });
    expect(r.kind).toBe('created');
    // Closing runs a checkpoint: the histories are written then (the journal holds them before).
    await store.close();
    const body = 'ana;beto;x\\;y\\\\z\\n;2026-01-02T03:04:05.678Z;0;1;k1';
    const queue = await readFile(path.join(dir, 'mensagens.txt'), 'utf8');
    expect(queue).toMatch(new RegExp(`^${body.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')};[0-9a-f]{8}\n$`));
    const line = 'msg;1;2026-01-02T03:04:05.678Z;ana;beto;x\\;y\\\\z\\n;k1';
    for (const user of ['ana', 'beto']) {
      expect(await readFile(path.join(dir, 'historico', `history_${user}.txt`), 'utf8')).toMatch(
        new RegExp(`^${line.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')};[0-9a-f]{8}\n$`),
      );
    }
    expect(await readFile(path.join(dir, 'usuarios.txt'), 'utf8')).toBe(
      encodeUser({ username: 'ana', passwordHash: HASH }) + encodeUser({ username: 'beto', passwordHash: HASH }),
    );
  });

  it('when a committed batch did not reach the data files (crash), then opening replays it, once', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await first.users.create({ username: 'ana', passwordHash: HASH });
    await first.users.create({ username: 'beto', passwordHash: HASH });
    await first.close();
    stores.pop();
    // The journal says message 1 was committed; the crash came before any data file was written.
    const sentAt = '2026-01-02T03:04:05.678Z';
    const record = { seq: 1, sentAt, from: 'ana', to: 'beto', content: 'replayed', clientId: undefined };
    const h = encodeHistory({ kind: 'msg', ...record });
    await writeFile(
      path.join(dir, 'journal.txt'),
      encodeJournal([
        { kind: 'append', file: QUEUE_FILE, line: encodeQueue({ ...record, delivered: false }).line },
        { kind: 'append', file: historyFileKey('ana'), line: h },
        { kind: 'append', file: historyFileKey('beto'), line: h },
      ]),
    );
    // ...and a torn half of the history line made it to beto's file.
    await writeFile(path.join(dir, 'historico', 'history_beto.txt'), h.slice(0, 20));
    const log = captureLog();
    const store = await open(dir, log);
    const page = await store.messages.readStream('beto', 0, 10);
    expect(page.events).toEqual([
      { type: 'message', message: { seq: 1, from: 'ana', to: 'beto', content: 'replayed', sentAt, status: 'sent' } },
    ]);
    expect(await readFile(path.join(dir, 'historico', 'history_beto.txt'), 'utf8')).toBe(h);
    expect(await readFile(path.join(dir, 'historico', 'history_ana.txt'), 'utf8')).toBe(h);
    expect(log.text()).toMatch(/dropped a torn tail/);
    await store.close();
    stores.pop();
    // Opening again replays the same journal: it changes nothing.
    const again = await open(dir);
    expect((await again.messages.readStream('beto', 0, 10)).events).toHaveLength(1);
    expect(await readFile(path.join(dir, 'historico', 'history_beto.txt'), 'utf8')).toBe(h);
  });

  it('when a torn journal is found, then nothing of it is applied', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await first.users.create({ username: 'ana', passwordHash: HASH });
    await first.close();
    stores.pop();
    const journal = encodeJournal([{ kind: 'append', file: USERS_FILE, line: encodeUser({ username: 'ghost', passwordHash: HASH }) }]);
    await writeFile(path.join(dir, 'journal.txt'), journal.slice(0, -5));
    const store = await open(dir);
    expect(await store.users.find('ghost')).toBeUndefined();
    expect(await store.users.find('ana')).toBeDefined();
  });

  it('when a file ends in a torn line or garbage, then it is cut and reported; damage in the middle is reported by line', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    for (const u of ['ana', 'beto', 'caio']) await first.users.create({ username: u, passwordHash: HASH });
    await first.close();
    stores.pop();
    const usersFile = path.join(dir, 'usuarios.txt');
    const good = await readFile(usersFile, 'utf8');
    const lines = good.split('\n');
    await writeFile(usersFile, `${lines[0]}\nnot a record\n${lines[1]}\n${lines[2]}\n\u0000\u0000garbage`);
    const log = captureLog();
    const store = await open(dir, log);
    expect(await store.users.find('ana')).toBeDefined();
    expect(await store.users.find('beto')).toBeDefined();
    expect(await store.users.find('caio')).toBeDefined();
    const entries = log.entries;
    expect(entries).toContainEqual(expect.objectContaining({ file: usersFile, line: 2, msg: 'damaged record skipped' }));
    expect(entries).toContainEqual(
      expect.objectContaining({ file: usersFile, droppedBytes: 9, msg: 'dropped a torn tail (an unfinished write)' }),
    );
    await appendFile(usersFile, ''); // the file is usable: the next append lands on a clean line
    await store.users.create({ username: 'dina', passwordHash: HASH });
    expect((await readFile(usersFile, 'utf8')).endsWith(encodeUser({ username: 'dina', passwordHash: HASH }))).toBe(true);
  });

  it('when most queued messages are delivered, then compaction leaves only the undelivered ones', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await store.users.create({ username: 'ana', passwordHash: HASH });
    await store.users.create({ username: 'beto', passwordHash: HASH });
    for (let i = 0; i < 3; i++) await store.messages.append({ from: 'ana', to: 'beto', content: `m${i}` });
    await store.messages.acknowledge('beto', 2);
    await store.close();
    stores.pop();
    const reopened = await open(dir);
    const queue = await readFile(path.join(dir, 'mensagens.txt'), 'utf8');
    expect(
      queue
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(';')[2]),
    ).toEqual(['m2']);
    expect(await reopened.messages.startPosition('beto')).toBe(2);
    const history = await reopened.messages.history('beto', { limit: 10 });
    expect(history.messages.map((m) => m.status)).toEqual(['delivered', 'delivered', 'sent']);
  });
});
