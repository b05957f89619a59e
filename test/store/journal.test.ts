import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, encodeJournal, type WriteOp } from '../../api/store/text/journal.js';
import { tempDir } from '../support/server.js';

const journals: Journal[] = [];
afterEach(async () => {
  for (const j of journals.splice(0)) await j.close();
});

async function open(dir: string): Promise<Journal> {
  const journal = await Journal.open([path.join(dir, 'journal.txt'), path.join(dir, 'journal-2.txt')]);
  journals.push(journal);
  return journal;
}

const markDelivered = (seq: number): WriteOp => ({ kind: 'markDelivered', seq });
const text = (dir: string, name: string) => readFile(path.join(dir, name), 'utf8');

describe('Journal: two files used in turn', () => {
  it('when batches are committed around rotations, then each file starts afresh with the next generation and a start replays both, oldest first', async () => {
    const dir = await tempDir();
    const journal = await open(dir);
    expect(await journal.read()).toBeUndefined();
    await journal.commit([markDelivered(1)]);
    await journal.commit([markDelivered(2)]);
    expect(await text(dir, 'journal.txt')).toBe(`gen;0\n${encodeJournal([markDelivered(1)])}${encodeJournal([markDelivered(2)])}`);

    journal.rotate();
    await journal.commit([markDelivered(3)]);
    expect(await text(dir, 'journal-2.txt')).toBe(`gen;1\n${encodeJournal([markDelivered(3)])}`);
    expect(await (await open(dir)).read()).toEqual([markDelivered(1), markDelivered(2), markDelivered(3)]);

    // The second rotation reuses journal.txt: its batches were synced before (the caller's promise).
    journal.rotate();
    await journal.commit([markDelivered(4)]);
    expect(await text(dir, 'journal.txt')).toBe(`gen;2\n${encodeJournal([markDelivered(4)])}`);
    // journal-2.txt is older now, so it is replayed first although it is the second file.
    expect(await (await open(dir)).read()).toEqual([markDelivered(3), markDelivered(4)]);
  });

  it('when nothing was committed since the last rotation, then rotating again changes nothing: the newest batches are kept', async () => {
    const dir = await tempDir();
    const journal = await open(dir);
    await journal.commit([markDelivered(1)]);
    journal.rotate();
    journal.rotate();
    await journal.commit([markDelivered(2)]);
    expect(await (await open(dir)).read()).toEqual([markDelivered(1), markDelivered(2)]);
  });

  it('when a start has read both files, then the next batch starts the older one afresh and the newer one is replayed before it', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await first.commit([markDelivered(1)]);
    first.rotate();
    await first.commit([markDelivered(2)]);
    await first.close();
    journals.splice(journals.indexOf(first), 1);

    const again = await open(dir);
    expect(await again.read()).toEqual([markDelivered(1), markDelivered(2)]);
    await again.commit([markDelivered(3)]);
    expect(await text(dir, 'journal.txt')).toBe(`gen;2\n${encodeJournal([markDelivered(3)])}`);
    expect(await (await open(dir)).read()).toEqual([markDelivered(2), markDelivered(3)]);
  });

  it('when journal.txt was written by a version without generations, then its batches are replayed, and it is the file started afresh', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'journal.txt'), encodeJournal([markDelivered(7)]) + encodeJournal([markDelivered(8)]));
    const journal = await open(dir);
    expect(await journal.read()).toEqual([markDelivered(7), markDelivered(8)]);
    await journal.commit([markDelivered(9)]);
    expect(await text(dir, 'journal.txt')).toBe(`gen;0\n${encodeJournal([markDelivered(9)])}`);
    expect(await text(dir, 'journal-2.txt')).toBe('');
  });

  it('when a file is cut inside its header or its first batch, then it holds no batch, and the other file is still replayed', async () => {
    const dir = await tempDir();
    const journal = await open(dir);
    await journal.commit([markDelivered(1)]);
    journal.rotate();
    await journal.commit([markDelivered(2)]);
    const whole = await text(dir, 'journal-2.txt');
    for (const cut of [1, 4, 6, whole.length - 1]) {
      await writeFile(path.join(dir, 'journal-2.txt'), whole.slice(0, cut));
      expect(await (await open(dir)).read(), `cut at ${cut}`).toEqual([markDelivered(1)]);
    }
  });
});
