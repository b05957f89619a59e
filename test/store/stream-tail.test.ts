import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger.js';
import { NodeDisk, nodeDisk, type Disk, type DiskFile } from '../../api/store/text/disk.js';
import { scanRecords } from '../../api/store/text/line-file.js';
import { decodeQueue } from '../../api/store/text/records.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { tempDir } from '../support/server.js';

/** A disk that counts positioned reads and writes per file name. */
class CountingDisk extends NodeDisk {
  readonly reads = new Map<string, number>();
  readonly writes = new Map<string, number>();
  override async open(file: string, flags: string): Promise<DiskFile> {
    const handle = await nodeDisk.open(file, flags);
    const name = path.basename(file);
    const read = handle.read.bind(handle) as (...args: unknown[]) => Promise<unknown>;
    const write = handle.write.bind(handle) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(handle, {
      read: (...args: unknown[]) => {
        this.reads.set(name, (this.reads.get(name) ?? 0) + 1);
        return read(...args);
      },
      write: (...args: unknown[]) => {
        this.writes.set(name, (this.writes.get(name) ?? 0) + 1);
        return write(...args);
      },
    });
    return handle;
  }
}

const stores: TextStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function open(dataDir: string, disk?: Disk): Promise<TextStore> {
  const store = await TextStore.open({
    dataDir,
    log: createLogger({ level: 'silent' }),
    hashPassword: async (p) => p,
    sessionTtlMs: 60_000,
    ...(disk ? { disk } : {}),
  });
  stores.push(store);
  return store;
}

async function closeLast(): Promise<void> {
  await stores.pop()?.close();
}

describe('TextStore stream tail', () => {
  it('when a poll reads what was just appended, then no file is read, and after a restart the file gives the same events', async () => {
    const dir = await tempDir();
    const disk = new CountingDisk();
    const store = await open(dir, disk);
    for (const username of ['ana', 'beto']) await store.users.create({ username, passwordHash: 'x' });
    await store.messages.append({ from: 'ana', to: 'beto', content: 'olá; 🎉\n', clientId: 'k1' });
    await store.messages.append({ from: 'ana', to: 'beto', content: 'dois' });
    const before = await store.messages.readStream('beto', 0, 10);
    await store.messages.acknowledge('beto', before.last);
    const receipts = await store.messages.readStream('ana', 0, 10);
    expect(before.events.map((e) => (e.type === 'message' ? e.message.content : e.type))).toEqual(['olá; 🎉\n', 'dois']);
    expect(receipts.events.filter((e) => e.type === 'status')).toHaveLength(2);
    expect([...disk.reads.keys()].filter((f) => f.startsWith('history_'))).toEqual([]);
    await closeLast();

    const again = await open(dir);
    const after = await again.messages.readStream('beto', 0, 10);
    // Acknowledged since: the statuses moved on, the events are otherwise the same.
    expect(after.events).toEqual(
      before.events.map((e) => (e.type === 'message' ? { ...e, message: { ...e.message, status: 'delivered' } } : e)),
    );
    expect(await again.messages.readStream('ana', 0, 10)).toEqual({
      ...receipts,
      events: receipts.events.map((e) => (e.type === 'message' ? { ...e, message: { ...e.message, status: 'delivered' } } : e)),
    });
  });

  it('when a page spans records from before the last checkpoint and after it, then it reads the old ones and keeps the order', async () => {
    const dir = await tempDir();
    const store = await open(dir);
    for (const username of ['ana', 'beto']) await store.users.create({ username, passwordHash: 'x' });
    for (let i = 0; i < 3; i++) await store.messages.append({ from: 'ana', to: 'beto', content: `old ${i}` });
    await store.state.committer.drain(); // a checkpoint: the tail is dropped, these are read from the file now
    for (let i = 0; i < 2; i++) await store.messages.append({ from: 'beto', to: 'ana', content: `new ${i}` });
    const page = await store.messages.history('ana', { limit: 10 });
    expect(page.messages.map((m) => m.content)).toEqual(['old 0', 'old 1', 'old 2', 'new 0', 'new 1']);
    const stream = await store.messages.readStream('beto', 1, 10);
    expect(stream.events.map((e) => (e.type === 'message' ? e.message.content : e.type))).toEqual(['old 1', 'old 2', 'new 0', 'new 1']);
  });

  it('when messages are acknowledged soon after they were sent, then their flags go out with the queue lines, one write a batch', async () => {
    const dir = await tempDir();
    const disk = new CountingDisk();
    const store = await open(dir, disk);
    for (const username of ['ana', 'beto', 'caio']) await store.users.create({ username, passwordHash: 'x' });
    const sent = [];
    for (let i = 0; i < 4; i++)
      sent.push((await store.messages.append({ from: 'ana', to: i % 2 ? 'beto' : 'caio', content: `m${i}` })).message);
    const writesBefore = disk.writes.get('mensagens.txt') ?? 0;
    await store.messages.acknowledge('beto', sent[3]?.seq ?? 0);
    await store.messages.acknowledge('caio', sent[0]?.seq ?? 0);
    expect((disk.writes.get('mensagens.txt') ?? 0) - writesBefore).toBe(2);
    const flags = () =>
      readFile(path.join(dir, 'mensagens.txt')).then((buf) =>
        scanRecords('q', buf, decodeQueue).records.map((r) => `${r.value.content}:${r.value.delivered ? 1 : 0}`),
      );
    expect(await flags()).toEqual(['m0:1', 'm1:1', 'm2:0', 'm3:1']);
    await store.state.committer.drain();
    // After a checkpoint the end of the queue is still in memory: the flag goes out with the line, rewritten.
    const afterCheckpoint = disk.writes.get('mensagens.txt') ?? 0;
    await store.messages.acknowledge('caio', sent[2]?.seq ?? 0);
    expect((disk.writes.get('mensagens.txt') ?? 0) - afterCheckpoint).toBe(1);
    expect(await flags()).toEqual(['m0:1', 'm1:1', 'm2:1', 'm3:1']);
  });
  it('when a user with no history polls, then nothing is opened or created for them until a message comes', async () => {
    const dir = await tempDir();
    const disk = new CountingDisk();
    const store = await open(dir, disk);
    for (const username of ['ana', 'beto']) await store.users.create({ username, passwordHash: 'x' });
    const file = path.join(dir, 'historico', 'history_beto.txt');
    expect(await store.messages.readStream('beto', await store.messages.startPosition('beto'), 10)).toEqual({ events: [], last: 0 });
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    await store.messages.append({ from: 'ana', to: 'beto', content: 'oi' });
    expect((await store.messages.readStream('beto', 0, 10)).events).toHaveLength(1);
    // Written by the checkpoint that follows a quiet moment, not by the append itself.
    await expect.poll(() => readFile(file, 'utf8').catch(() => '')).toMatch(/^msg;1;/);
  });
});
