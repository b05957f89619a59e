import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeDisk, nodeDisk, type DiskFile } from '../../api/store/text/disk.js';
import { scanRecords } from '../../api/store/text/line-file.js';
import { appendQueued } from '../../api/store/text/journal.js';
import { MessageQueue } from '../../api/store/text/message-queue.js';
import { decodeQueue, encodeQueue, type QueueRecord } from '../../api/store/text/records.js';
import { tempDir } from '../support/server.js';

const queues: MessageQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close();
});

async function open(file: string): Promise<MessageQueue> {
  const { queue } = await MessageQueue.open(file);
  queues.push(queue);
  return queue;
}

const record = (seq: number, to: string, content: string): QueueRecord => ({
  seq,
  from: 'ana',
  to,
  content,
  sentAt: '2026-01-02T03:04:05.678Z',
  delivered: false,
  clientId: seq % 2 ? `c;${seq}` : undefined,
});

async function flags(file: string): Promise<Record<number, boolean>> {
  const loaded = scanRecords(file, await readFile(file), decodeQueue);
  expect(loaded.damage).toEqual([]);
  return Object.fromEntries(loaded.records.map((r) => [r.value.seq, r.value.delivered]));
}

describe('MessageQueue', () => {
  it('when a message with escapes and multi-byte content is delivered, then exactly its flag byte is set, after a reopen too', async () => {
    const file = path.join(await tempDir(), 'mensagens.txt');
    const records = [record(1, 'beto', 'olá; \\ 🎉 \n'), record(2, 'beto', 'שלום;;'), record(3, 'caio', 'x')];
    await writeFile(file, records.map((r) => encodeQueue(r).line).join(''));
    const first = await open(file);
    first.markDelivered(1);
    await first.flush();
    expect(await flags(file)).toEqual({ 1: true, 2: false, 3: false });
    await first.close();
    queues.pop();
    const again = await open(file);
    expect(again.firstUndelivered('beto')).toBe(2);
    again.markDelivered(2);
    again.markDelivered(2);
    await again.flush();
    expect(await flags(file)).toEqual({ 1: true, 2: true, 3: false });
    expect(again.stats).toEqual({ total: 3, delivered: 2 });
    expect(again.senderOf(3)).toBe('ana');
    expect(again.senderOf(4)).toBeUndefined();
  });

  it('when the file is out of sequence order (edited by hand), then every message is still queued, in order, once', async () => {
    const file = path.join(await tempDir(), 'mensagens.txt');
    const lines = [record(5, 'beto', 'e'), record(2, 'beto', 'b'), record(9, 'beto', 'i'), record(2, 'beto', 'b')];
    await writeFile(file, lines.map((r) => encodeQueue(r).line).join(''));
    const queue = await open(file);
    expect(queue.undeliveredUpTo('beto', 100)).toEqual([2, 5, 9]);
    expect(queue.maxSeq).toBe(9);
    queue.markDelivered(2);
    queue.markDelivered(5);
    await queue.flush();
    expect(queue.undeliveredUpTo('beto', 100)).toEqual([9]);
    // The copy of message 2 that is kept is the last one in the file, as reading it top to bottom would leave it.
    const inFile = scanRecords(file, await readFile(file), decodeQueue).records.map((r) => [r.value.seq, r.value.delivered]);
    expect(inFile).toEqual([
      [5, true],
      [2, false],
      [9, false],
      [2, true],
    ]);
  });

  it('when delivered messages are compacted away, then the new file holds the others byte for byte and their flags still work', async () => {
    const file = path.join(await tempDir(), 'mensagens.txt');
    const records = [record(1, 'beto', 'um ü'), record(2, 'beto', 'dois; 🎉'), record(3, 'caio', 'três'), record(4, 'beto', 'quatro')];
    await writeFile(file, records.map((r) => encodeQueue(r).line).join(''));
    const queue = await open(file);
    queue.markDelivered(1);
    queue.markDelivered(3);
    await queue.sync();
    expect(await queue.compact()).toBe(2);
    expect(await readFile(file, 'utf8')).toBe(encodeQueue(records[1] as QueueRecord).line + encodeQueue(records[3] as QueueRecord).line);
    queue.markDelivered(4);
    await queue.flush();
    expect(await flags(file)).toEqual({ 2: false, 4: true });
    expect(queue.maxSeq).toBe(4);
  });

  it('when a hand-edited file with a damaged line and a message twice is compacted, then each undelivered message is kept once, in order, with lines appended since', async () => {
    const file = path.join(await tempDir(), 'mensagens.txt');
    const lines = [record(5, 'beto', 'e; ü'), record(2, 'beto', 'b'), record(7, 'caio', 'g'), record(2, 'beto', 'b')].map(
      (r) => encodeQueue(r).line,
    );
    await writeFile(file, `${lines[0]}${lines[1]}not a record;\n${lines[2]}${lines[3]}`);
    const queue = await open(file);
    // One line as replayed from the journal (decoded here), one as a send makes it (with its record).
    queue.append([{ line: encodeQueue(record(8, 'caio', 'h 🎉')).line }, appendQueued(record(9, 'beto', 'i'))]);
    await queue.flush();
    queue.markDelivered(7);
    await queue.sync();

    expect(await queue.compact()).toBe(1);

    const kept = [record(2, 'beto', 'b'), record(5, 'beto', 'e; ü'), record(8, 'caio', 'h 🎉'), record(9, 'beto', 'i')];
    expect(await readFile(file, 'utf8')).toBe(kept.map((r) => encodeQueue(r).line).join(''));
    queue.markDelivered(2);
    queue.markDelivered(8);
    await queue.flush();
    expect(await flags(file)).toEqual({ 2: true, 5: false, 8: true, 9: false });
    await queue.close();
    queues.pop();
    const again = await open(file);
    expect(again.undeliveredUpTo('beto', 100)).toEqual([5, 9]);
    expect(again.firstUndelivered('caio')).toBeUndefined();
    expect(again.maxSeq).toBe(9);
  });

  it('when flags are set in lines written long before and in lines just written, then each reaches its byte', async () => {
    const file = path.join(await tempDir(), 'mensagens.txt');
    const queue = await open(file);
    // Over 64 KiB of lines: the first ones fall out of what is kept in memory after the checkpoint.
    queue.append(Array.from({ length: 1000 }, (_, i) => appendQueued(record(i + 1, 'beto', `mensagem número ${i + 1}`))));
    await queue.sync();
    queue.markDelivered(1);
    queue.markDelivered(999);
    queue.append([appendQueued(record(1001, 'caio', 'depois'))]);
    queue.markDelivered(1001);
    await queue.flush();
    const set = Object.entries(await flags(file)).flatMap(([seq, delivered]) => (delivered ? [Number(seq)] : []));
    expect(set).toEqual([1, 999, 1001]);
    expect(queue.undeliveredUpTo('beto', 3)).toEqual([2, 3]);
  });

  it('when a checkpoint syncs the file while batches flush beside it, then every flag and line reaches the file, whatever order the writes end in', async () => {
    const file = path.join(await tempDir(), 'mensagens.txt');
    const { queue } = await MessageQueue.open(file, new LateDisk());
    queues.push(queue);
    let seq = 0;
    const delivered: number[] = [];
    for (let round = 0; round < 40; round++) {
      const work: Promise<void>[] = [];
      queue.append(Array.from({ length: 3 }, () => appendQueued(record(++seq, 'beto', `m${seq}`))));
      work.push(queue.sync()); // the checkpoint
      // Batches applied beside it: flags of lines being written right now, and new lines.
      for (const s of [seq - 2, seq]) {
        queue.markDelivered(s);
        delivered.push(s);
        work.push(queue.flush());
      }
      queue.append([appendQueued(record(++seq, 'beto', `m${seq}`))]);
      work.push(queue.flush());
      await Promise.all(work);
    }
    const onDisk = await flags(file);
    expect(Object.keys(onDisk)).toHaveLength(seq);
    expect(Object.entries(onDisk).flatMap(([s, d]) => (d ? [Number(s)] : []))).toEqual(delivered.sort((a, b) => a - b));
  });
});

/**
 * A disk whose writes take their bytes when called, as the system call would, and end after a random delay:
 * two writes in flight at once may land in either order.
 */
class LateDisk extends NodeDisk {
  override async open(file: string, flags: string): Promise<DiskFile> {
    const handle = await nodeDisk.open(file, flags);
    return new Proxy(handle, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
        if (prop !== 'write') return bound;
        return async (data: Buffer, offset: number, length: number, position: number) => {
          const bytes = Buffer.from(data.subarray(offset, offset + length));
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
          return bound(bytes, 0, bytes.length, position);
        };
      },
    });
  }
}
