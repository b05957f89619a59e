import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HASH, openStore } from '../faults/support/store.js';
import { tempDir } from '../support/server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0)) await c();
});

describe('GroupCommitter', () => {
  it('when each write is made as soon as the one before it is answered, across checkpoints, then every one is answered without waiting for a timer', async () => {
    const dir = await tempDir('papo-commit-');
    const { store } = await openStore(dir);
    cleanups.push(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    // The committer's idle timer never fires now: a write answered while the committer was letting go of its
    // loop, and not picked up, would wait for it forever (a sign-up is answered in few enough steps for that).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const until = Date.now() + 2500; // checkpoints come by the real clock, once a second
    let created = 0;
    while (Date.now() < until) {
      await store.users.create({ username: `user${created}`, passwordHash: HASH });
      created++;
    }
    expect(await store.users.find(`user${created - 1}`)).toBeDefined();
  }, 20_000);
});
