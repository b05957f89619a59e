/**
 * Power loss (issue #15): each case the random cuts of power-loss.test.ts found, as a test of its own that
 * cuts at the one point that showed it. The store runs on a PowerLossDisk; the cut is taken while it still
 * runs (closing would sync everything), and the store is reopened on what a power loss there leaves.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TextStore } from '../../api/store/text/text-store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { tempDir } from '../support/server.js';
import { CrashStates, seededRandom } from './support/crash-states.js';
import { PowerLossDisk } from './support/power-loss-disk.js';
import { dataDirOf } from './support/power-loss-workload.js';
import { HASH, openStore, type LogLine } from './support/store.js';

const LONG = process.env.PAPO_LONG === '1';
const SEED = fileURLToPath(new URL('../fixtures/seed-data', import.meta.url));

const defer = cleanupAfterEach();

/** Runs `work` on a store over a PowerLossDisk, and returns the store reopened on what a power loss right after it leaves. */
async function powerLossAfter(work: (store: TextStore) => Promise<void>): Promise<{ store: TextStore; logs: LogLine[] }> {
  const root = await tempDir('papo-power-case-');
  const disk = new PowerLossDisk(root);
  const { store } = await openStore(dataDirOf(root), { disk });
  await work(store);
  const states = new CrashStates(disk);
  states.advance(disk.journal.length);
  await store.close();
  const crashed = path.join(await tempDir('papo-power-case-cut-'), 'root');
  states.materialize(crashed, 'synced', seededRandom(1));
  const reopened = await openStore(dataDirOf(crashed));
  defer(async () => {
    await reopened.store.close();
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.rm(path.dirname(crashed), { recursive: true, force: true });
  });
  return reopened;
}

describe('power loss, the cases the cuts found', () => {
  it('when the store made its own data folder, then an account acknowledged in it survives a power loss', async () => {
    const { store } = await powerLossAfter(async (s) => {
      expect(await s.users.create({ username: 'ana', passwordHash: HASH })).toBe(true);
    });
    expect(await store.users.find('ana')).toBeDefined();
  });

  it('when the journal has moved on past two checkpoints, then accounts, queue and histories survive a power loss in the files the store created', async () => {
    const { store } = await powerLossAfter(async (s) => {
      await s.users.create({ username: 'ana', passwordHash: HASH });
      await s.users.create({ username: 'beto', passwordHash: HASH });
      await s.messages.append({ from: 'ana', to: 'beto', content: 'first' });
      // Two checkpoints: each rotates the journal, and the next commit starts the older file afresh, so
      // the batches above are then only in usuarios.txt, mensagens.txt and the histories.
      await s.state.committer.drain();
      await s.messages.append({ from: 'beto', to: 'ana', content: 'second' });
      await s.state.committer.drain();
      await s.messages.append({ from: 'beto', to: 'ana', content: 'third' });
    });
    expect(await store.users.find('ana')).toBeDefined();
    expect(await store.users.find('beto')).toBeDefined();
    expect((await store.messages.history('ana', { limit: 10 })).messages.map((m) => m.content)).toEqual(['first', 'second', 'third']);
    const start = await store.messages.startPosition('beto');
    const queued = (await store.messages.readStream('beto', start, 10)).events.flatMap((e) =>
      e.type === 'message' && e.message.to === 'beto' ? [e.message.content] : [],
    );
    expect(queued).toEqual(['first']);
  });

  it('when a killed server left history files whose names it never fsynced, then the next start fsyncs them before the journal moves past them', async () => {
    const root = await tempDir('papo-power-killed-');
    defer(() => fsp.rm(root, { recursive: true, force: true }));
    const first = await openStore(dataDirOf(root));
    await first.store.users.create({ username: 'ana', passwordHash: HASH });
    await first.store.users.create({ username: 'beto', passwordHash: HASH });
    await first.store.messages.append({ from: 'ana', to: 'beto', content: 'before the kill' });
    await first.store.close();
    const disk = new PowerLossDisk(root, { namesNotDurable: ['data/historico/history_ana.txt', 'data/historico/history_beto.txt'] });
    const { store } = await openStore(dataDirOf(root), { disk });
    await store.messages.append({ from: 'beto', to: 'ana', content: 'after the restart' });
    await store.state.committer.drain();
    await store.messages.append({ from: 'beto', to: 'ana', content: 'one checkpoint later' });
    await store.state.committer.drain();
    await store.messages.append({ from: 'ana', to: 'beto', content: 'two checkpoints later' });
    const states = new CrashStates(disk);
    states.advance(disk.journal.length);
    await store.close();
    const crashed = path.join(await tempDir('papo-power-killed-cut-'), 'root');
    defer(() => fsp.rm(path.dirname(crashed), { recursive: true, force: true }));
    states.materialize(crashed, 'synced', seededRandom(1));
    const reopened = await openStore(dataDirOf(crashed));
    const contents = (await reopened.store.messages.history('ana', { limit: 10 })).messages.map((m) => m.content);
    await reopened.store.close();
    expect(contents).toEqual(['before the kill', 'after the restart', 'one checkpoint later', 'two checkpoints later']);
  });

  it('when the power goes at any point of the import of an old-system folder, then the next start has every account and message of it', async () => {
    const root = await tempDir('papo-power-legacy-');
    defer(() => fsp.rm(root, { recursive: true, force: true }));
    await fsp.cp(SEED, dataDirOf(root), { recursive: true });
    const disk = new PowerLossDisk(root);
    const { store } = await openStore(dataDirOf(root), { disk });
    const imported = await contentOf(store);
    await store.close();
    expect(imported.users).toHaveLength(3);

    const states = new CrashStates(disk);
    const random = seededRandom(15);
    // Every cut in the long run; every third in `npm test` (each reopen before the end imports again, with its fsyncs).
    for (let cut = LONG ? 0 : Math.floor(random() * 3); cut <= disk.journal.length; cut += LONG ? 1 : 3) {
      states.advance(cut);
      for (const variant of ['synced', 'prefix'] as const) {
        const crashed = path.join(await tempDir('papo-power-legacy-cut-'), 'root');
        states.materialize(crashed, variant, random);
        const reopened = await openStore(dataDirOf(crashed));
        const after = await contentOf(reopened.store);
        await reopened.store.close();
        expect(after, `cut ${cut} of ${disk.journal.length} (${variant}), folder ${crashed}`).toEqual(imported);
        await fsp.rm(path.dirname(crashed), { recursive: true, force: true });
      }
    }
  });
});

/** Accounts and every history of a store, to compare two stores. */
async function contentOf(store: TextStore): Promise<{ users: string[]; histories: Record<string, string[]> }> {
  const users: string[] = [];
  const histories: Record<string, string[]> = {};
  for (const user of ['joao', 'maria', 'pedro', 'carla']) {
    const found = await store.users.find(user);
    if (!found) continue;
    users.push(`${user} ${found.passwordHash}`);
    histories[user] = (await store.messages.history(user, { limit: 1000 })).messages.map(
      (m) => `${m.seq} ${m.from}->${m.to} ${m.sentAt} ${m.status} ${m.content}`,
    );
  }
  return { users, histories };
}
