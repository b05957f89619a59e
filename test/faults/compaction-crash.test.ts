/**
 * Compaction crash (issue #6): stop the compaction of mensagens.txt after each of its steps, as a crash would;
 * the file is always the old queue or the new one, never a mix and never nothing, and the store opened on it
 * afterwards hands the recipient exactly the messages not yet delivered.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../api/store/store.js';
import { scanRecords } from '../../api/store/text/line-file.js';
import { MessageQueue } from '../../api/store/text/message-queue.js';
import { COMPACTION_STEPS, type CompactionStep } from '../../api/store/text/queue-compaction.js';
import { decodeQueue } from '../../api/store/text/records.js';
import { tempDir } from '../support/server.js';
import { HASH, openStore, restore, snapshot } from './support/store.js';

let dir: string;
let baseline: Map<string, Buffer>;
let allSeqs: number[];
let undelivered: string[];

const queueFile = () => path.join(dir, 'mensagens.txt');

async function queueSeqs(): Promise<{ seq: number; delivered: boolean }[]> {
  const loaded = scanRecords('q', await fsp.readFile(queueFile()), decodeQueue);
  expect(loaded.tornBytes).toBe(0);
  expect(loaded.damage).toEqual([]);
  return loaded.records.map((r) => ({ seq: r.value.seq, delivered: r.value.delivered }));
}

beforeAll(async () => {
  dir = await tempDir('papo-compact-');
  const { store } = await openStore(dir);
  for (const username of ['alice', 'bruno', 'carla']) await store.users.create({ username, passwordHash: HASH });
  const sent = [];
  for (let i = 0; i < 6; i++)
    sent.push((await store.messages.append({ from: i % 2 ? 'alice' : 'carla', to: 'bruno', content: `m${i}; \n` })).message);
  await store.messages.append({ from: 'bruno', to: 'alice', content: 'for alice, undelivered' });
  await store.messages.acknowledge('bruno', sent[2]?.seq ?? 0);
  await store.close(); // closing does not compact: the file keeps its delivered entries
  baseline = await snapshot(dir);
  allSeqs = (await queueSeqs()).map((r) => r.seq);
  undelivered = sent.slice(3).map((m) => m.content);
  expect((await queueSeqs()).filter((r) => r.delivered)).toHaveLength(3);
});

afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('MessageQueue.compact stopped after each step', () => {
  it.each(COMPACTION_STEPS.map((s, i) => [s, i] as const))(
    'when it stops after "%s", then the file is the old queue or the new one, whole',
    async (step, index) => {
      await restore(dir, baseline);
      const { queue } = await MessageQueue.open(queueFile());
      const stop = (s: CompactionStep) => {
        if (s === step) throw new Error(`stopped after ${s}`);
      };
      await expect(queue.compact({ afterStep: stop })).rejects.toThrow(`stopped after ${step}`);
      await queue.close();

      const seqs = (await queueSeqs()).map((r) => r.seq);
      const newQueue = (await queueSeqs()).every((r) => !r.delivered) && seqs.length === allSeqs.length - 3;
      if (index < COMPACTION_STEPS.indexOf('renamed')) expect(seqs).toEqual(allSeqs);
      else {
        expect(newQueue).toBe(true);
        expect(seqs).toEqual(allSeqs.slice(3));
      }

      // The restart: the store opens, finishes the job, and the recipient gets exactly the undelivered ones.
      const { store, logs } = await openStore(dir);
      const bruno = store.messages;
      const page = await bruno.readStream('bruno', await bruno.startPosition('bruno'), 100);
      const contents = page.events.flatMap((e: StoredEvent) =>
        e.type === 'message' && e.message.to === 'bruno' ? [e.message.content] : [],
      );
      expect(contents).toEqual(undelivered);
      await store.close();
      expect(logs.filter((l) => l.level >= 40)).toEqual([]);
      expect((await queueSeqs()).map((r) => r.seq)).toEqual(allSeqs.slice(3));
    },
  );

  it('when nothing stops it, then the queue holds only the undelivered messages and appends go after them', async () => {
    await restore(dir, baseline);
    const { queue } = await MessageQueue.open(queueFile());
    const steps: CompactionStep[] = [];
    expect(await queue.compact({ afterStep: (s) => void steps.push(s) })).toBe(3);
    expect(steps).toEqual([...COMPACTION_STEPS]);
    await queue.close();
    expect((await queueSeqs()).map((r) => r.seq)).toEqual(allSeqs.slice(3));
  });
});
