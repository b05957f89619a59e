/**
 * The data folder holds password hashes and everyone's messages (issue #15, item 10): the text store
 * creates its files 0600 and its folders 0700 whatever the process umask, and at start tightens looser
 * modes left on the data folder's own files and folders, saying what it changed.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/after-each.js';
import { tempDir } from '../support/server.js';
import { HASH, openStore, putSession } from '../faults/support/store.js';

const defer = cleanupAfterEach();

/** Mode bits of every file and folder under `dir` (and of `dir` itself, as '.'), the lock file aside. */
async function modes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>([['.', octal((await fsp.stat(dir)).mode)]]);
  for (const entry of await fsp.readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.name !== 'papo.pid') out.set(path.relative(dir, full), octal((await fsp.lstat(full)).mode));
  }
  return out;
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/** Runs `work` with the process umask set to `mask`. */
async function withUmask<T>(mask: number, work: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await work();
  } finally {
    process.umask(before);
  }
}

/** A data folder with every kind of file the store makes: accounts, queue, histories, journal, sessions, limits, secret. */
async function fillFolder(dir: string): Promise<void> {
  const { store } = await openStore(dir);
  await store.users.create({ username: 'ana', passwordHash: HASH });
  await store.users.create({ username: 'beto', passwordHash: HASH });
  await store.messages.append({ from: 'ana', to: 'beto', content: 'oi' });
  await putSession(store, 'sid-1', 'ana');
  await store.rateLimits.hit('login-user:ana', 60_000, Date.now());
  await store.sessions.generatedSecret();
  await store.close();
}

describe('file modes of the data folder', () => {
  it.each(['000', '022', '277'])(
    'when the store creates its data folder under umask %s, then every file is 0600 and every folder 0700',
    async (mask) => {
      const root = await tempDir('papo-modes-');
      defer(() => fsp.rm(root, { recursive: true, force: true }));
      const dir = path.join(root, 'data');
      await withUmask(Number.parseInt(mask, 8), () => fillFolder(dir));
      const found = await modes(dir);
      expect(found.size).toBeGreaterThan(10);
      for (const [rel, mode] of found) {
        const isFolder = (await fsp.stat(path.join(dir, rel))).isDirectory();
        expect(`${rel} ${mode}`).toBe(`${rel} ${isFolder ? '0700' : '0600'}`);
      }
    },
  );

  it('when the folder was left with 0644 files and 0755 folders, then the start tightens them, logs each change, and new files are 0600', async () => {
    const dir = await tempDir('papo-modes-loose-');
    defer(() => fsp.rm(dir, { recursive: true, force: true }));
    await fillFolder(dir);
    const loosened: string[] = [];
    for (const [rel] of await modes(dir)) {
      const full = path.join(dir, rel);
      const isFolder = (await fsp.stat(full)).isDirectory();
      await fsp.chmod(full, isFolder ? 0o755 : 0o644);
      loosened.push(`${rel} ${isFolder ? '0755 -> 0700' : '0644 -> 0600'}`);
    }

    const { store, logs } = await withUmask(0o022, () => openStore(dir));
    defer(() => store.close());
    const report = logs.find((l) => l.msg === 'tightened the permissions of data files others could read');
    expect(report?.level).toBe(40);
    expect((report?.changed as string[]).sort()).toEqual(loosened.sort());
    for (const [rel, mode] of await modes(dir)) expect(`${rel} ${mode}`).toMatch(/ 0[67]00$/);

    await store.users.create({ username: 'caio', passwordHash: HASH });
    await store.messages.append({ from: 'caio', to: 'ana', content: 'a new history file' });
    await store.state.committer.drain();
    expect(octal((await fsp.stat(path.join(dir, 'historico', 'history_caio.txt'))).mode)).toBe('0600');
  });
});
