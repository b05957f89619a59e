/**
 * A checkpoint runs beside the commits (issue #4): while it writes and fsyncs the histories, sends go on
 * committing to the journal's other file. A crash in the middle of a checkpoint loses nothing: the start
 * replays both journal files, oldest first.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeDisk, type DiskFile } from '../../api/store/text/disk.js';
import type { TextStore } from '../../api/store/text/text-store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { tempDir } from '../support/server.js';
import { HASH, openStore, restore, snapshot } from './support/store.js';

/** A disk whose fsyncs of the matching files wait while it is held. */
class GatedDisk extends NodeDisk {
  private gate: Promise<void> | undefined;
  private open_: () => void = () => undefined;
  waiting = 0;

  constructor(private readonly match: (file: string) => boolean) {
    super();
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.open_ = resolve));
  }

  release(): void {
    this.open_();
    this.gate = undefined;
  }

  override async open(file: string, flags: string): Promise<DiskFile> {
    const handle = await fsp.open(file, flags);
    const gated = this.match(file);
    return new Proxy(handle, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (prop !== 'datasync' || !gated) return bound;
        return async () => {
          const gate = this.gate;
          if (gate) {
            this.waiting++;
            await gate;
            this.waiting--;
          }
          return bound();
        };
      },
    });
  }
}

const defer = cleanupAfterEach();

async function contents(store: TextStore, user: string): Promise<string[]> {
  const page = await store.messages.history(user, { limit: 50 });
  return page.messages.map((m) => m.content);
}

describe('a checkpoint beside the commits', () => {
  it('when the histories fsync slowly at a checkpoint, then sends still commit meanwhile, and a crash then loses none of them', async () => {
    const dir = await tempDir('papo-checkpoint-');
    const disk = new GatedDisk((file) => path.basename(file).startsWith('history_'));
    const { store } = await openStore(dir, { disk });
    defer(async () => {
      disk.release();
      await store.close();
      await fsp.rm(dir, { recursive: true, force: true });
    });
    await store.users.create({ username: 'ana', passwordHash: HASH });
    await store.users.create({ username: 'beto', passwordHash: HASH });

    disk.hold();
    await store.messages.append({ from: 'ana', to: 'beto', content: 'one' });
    // The checkpoint after 50 ms without writes writes both histories and waits on their fsyncs.
    await expect.poll(() => disk.waiting, { timeout: 5000 }).toBe(2);
    const later = Promise.all(['two', 'three'].map((content) => store.messages.append({ from: 'beto', to: 'ana', content })));
    const outcome = await Promise.race([later.then(() => 'committed'), new Promise((r) => setTimeout(() => r('blocked'), 3000))]);
    expect(outcome).toBe('committed');
    expect(disk.waiting).toBe(2);

    // A crash now: the folder as the disk holds it, the checkpoint still in the middle of its fsyncs.
    const crashed = await tempDir('papo-checkpoint-crash-');
    await restore(crashed, await snapshot(dir));
    const journals = await Promise.all(['journal.txt', 'journal-2.txt'].map((f) => fsp.readFile(path.join(crashed, f), 'utf8')));
    expect(journals.map((j) => j.split('\n')[0])).toEqual(['gen;0', 'gen;1']);
    const { store: reopened, logs } = await openStore(crashed);
    defer(async () => {
      await reopened.close();
      await fsp.rm(crashed, { recursive: true, force: true });
    });
    expect(logs.some((l) => l.msg === 'replayed the journal')).toBe(true);
    expect(await contents(reopened, 'ana')).toEqual(['one', 'two', 'three']);
    expect(await contents(reopened, 'beto')).toEqual(['one', 'two', 'three']);

    // And the store that kept running finishes its checkpoint and holds the same.
    disk.release();
    expect(await contents(store, 'beto')).toEqual(['one', 'two', 'three']);
  });
});
