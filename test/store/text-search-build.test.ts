import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeDisk, type DiskFile } from '../../api/store/text/disk.js';
import { encodeHistory, type HistoryRecord } from '../../api/store/text/records.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { UserHistory } from '../../api/store/text/user-history.js';
import { captureLog } from '../support/log.js';
import { tempDir } from '../support/server.js';

const HASH = '$2b$10$abcdefghijklmnopqrstuuKx9JZJ0cM5cQ8Q8Q8Q8Q8Q8Q8Q8Q8Q8';

/** A text store in a new folder with ana and beto, and `messages` from ana to beto already in her history file. */
async function storeWithHistory(messages: number) {
  const options = { dataDir: await tempDir(), log: captureLog().logger, hashPassword: async (p: string) => p, sessionTtlMs: 60_000 };
  const first = await TextStore.open(options);
  await first.users.create({ username: 'ana', passwordHash: HASH });
  await first.users.create({ username: 'beto', passwordHash: HASH });
  for (let i = 1; i <= messages; i++) {
    const r = await first.messages.append({ from: 'ana', to: 'beto', content: `mensagem antiga número ${i}`, clientId: undefined });
    if (r.kind !== 'created') throw new Error(r.kind);
  }
  await first.close();
  return options;
}

/**
 * A Disk whose file opens fail while `failing` is set (a read error in the middle of a build), and whose
 * reads wait for `held` (a build caught between its reads).
 */
class TestDisk extends NodeDisk {
  failing = false;
  held: Promise<void> = Promise.resolve();
  override async open(file: string, flags: string): Promise<DiskFile> {
    if (this.failing) throw Object.assign(new Error('EIO: i/o error, open'), { code: 'EIO' });
    const opened = await super.open(file, flags);
    const read = opened.read.bind(opened);
    opened.read = async (...args) => {
      await this.held;
      return read(...args);
    };
    return opened;
  }
}

const AT = '2026-12-08T09:00:00.000Z';
const seqsOf = (lists: Int32Array[]) => lists.flatMap((list) => [...list]).sort((a, b) => a - b);

async function openHistory(messages: number, disk: TestDisk) {
  const { dataDir } = await storeWithHistory(messages);
  return (await UserHistory.open('ana', path.join(dataDir, 'historico', 'history_ana.txt'), disk)).history;
}

describe("the text store's search index, built at the first search", () => {
  it('when a message and an edit come while the first search reads the history, then the index has them, and every older message', async () => {
    const disk = new TestDisk();
    const history = await openHistory(3, disk);
    const old = history.messages.map((m) => m.seq);
    let release = () => {};
    disk.held = new Promise((resolve) => (release = resolve));
    const building = history.searchIndex();
    const late: HistoryRecord = {
      kind: 'msg',
      seq: history.lastSeq + 1,
      sentAt: AT,
      from: 'beto',
      to: 'ana',
      content: 'chegou agora',
      clientId: undefined,
    };
    const edit: HistoryRecord = { kind: 'ed', seq: late.seq + 1, messageSeq: old[0] ?? 0, at: AT, content: 'trocada' };
    history.append([late, edit].map((r) => ({ line: encodeHistory(r), history: r })));
    release();
    const index = await building;
    expect(seqsOf(index.listsFor('chegou'))).toEqual([late.seq]);
    expect(seqsOf(index.listsFor('trocada'))).toEqual([old[0]]);
    expect(seqsOf(index.listsFor('antiga'))).toEqual(old);
    await history.close();
  });

  it('when the history cannot be read during the first search, then that search fails and the next one builds the index', async () => {
    const disk = new TestDisk();
    const history = await openHistory(3, disk);
    disk.failing = true;
    await expect(history.searchIndex()).rejects.toThrow(/EIO/);
    disk.failing = false;
    const index = await history.searchIndex();
    expect(index.listsFor('antiga').flatMap((list) => [...list])).toEqual(history.messages.map((m) => m.seq));
    expect(await history.searchIndex()).toBe(index);
    await history.close();
  });
});
