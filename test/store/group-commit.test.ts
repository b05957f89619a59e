import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TextStore } from '../../api/store/text/text-store.js';
import { HASH, openStore } from '../faults/support/store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { tempDir } from '../support/server.js';

const defer = cleanupAfterEach();
afterEach(() => {
  vi.useRealTimers();
});

/** A text store on a new folder, closed and removed after the test. */
async function freshStore(): Promise<{ store: TextStore; dir: string }> {
  const dir = await tempDir('papo-commit-');
  const { store } = await openStore(dir);
  defer(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { store, dir };
}

describe('GroupCommitter', () => {
  it('when each write is made as soon as the one before it is answered, across checkpoints, then every one is answered without waiting for a timer', async () => {
    const { store } = await freshStore();
    // No timer fires now, and the clock moves only when the test moves it: a write answered while the committer
    // was letting go of its loop, and not picked up, would wait forever (a sign-up is answered in few enough
    // steps for that). The loop lets go most often right after starting a checkpoint.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const writes = 1000;
    for (let created = 0; created < writes; created++) {
      await store.users.create({ username: `user${created}`, passwordHash: HASH });
      if (created % 100 === 99) vi.setSystemTime(Date.now() + 60_000); // a checkpoint is due at the next write
    }
    expect(await store.users.find(`user${writes - 1}`)).toBeDefined();
  }, 20_000);

  it('when writes keep coming a few milliseconds apart, then no idle checkpoint comes between them', async () => {
    const { store, dir } = await freshStore();
    // Well under the checkpoint a second: only quiet moments (50 ms without a write) could bring one.
    const until = Date.now() + 600;
    let created = 0;
    while (Date.now() < until) {
      await store.users.create({ username: `user${created++}`, passwordHash: HASH });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Each checkpoint starts the next journal file with the next generation. Fired 50 ms after the first
    // quiet moment whatever came since, they made one every 55 ms or so here (about 10); a slow machine
    // may pause for 50 ms now and then.
    const generations = await Promise.all(
      ['journal.txt', 'journal-2.txt'].map(async (file) =>
        Number(/^gen;(\d+)/.exec(await readFile(path.join(dir, file), 'utf8'))?.[1] ?? 0),
      ),
    );
    expect(Math.max(...generations)).toBeLessThan(4);
  });

  it('when writes keep coming while it drains to suspend, then the drain ends: writes submitted before are written, later ones refused (503)', async () => {
    const { store } = await freshStore();
    const committer = store.state.committer;
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        await store.users.create({ username: `w${w}n${i}`, passwordHash: HASH }).catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = store.users.create({ username: 'before', passwordHash: HASH });
    const suspended = committer.drainAndSuspend(new Error('a rewrite'));
    const during = store.users.create({ username: 'during', passwordHash: HASH }).then(
      () => 'written',
      (err: unknown) => err,
    );
    // Ends while the writers keep going: new writes are refused meanwhile, so they cannot keep it waiting.
    await suspended;
    expect(await store.users.find('before')).toBeDefined();
    expect(await during).toMatchObject({ name: 'StoreUnavailableError' });
    await expect(store.users.create({ username: 'after', passwordHash: HASH })).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    committer.recovered();
    stop = true;
    await Promise.all(writers);
    expect(await before).toBe(true);
    expect(await store.users.create({ username: 'after', passwordHash: HASH })).toBe(true);
  });
});
