import { execFile } from 'node:child_process';
import { chmod, cp, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../api/repo-root.js';
import { PostgresStore } from '../../api/store/postgres/postgres-store.js';
import { encodeRecord } from '../../api/store/text/codec.js';
import { TextStore } from '../../api/store/text/text-store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { BASE_DATABASE_URL, adminQuery, createTestSchema, dropTestSchema } from '../support/postgres.js';
import { tempDir } from '../support/server.js';
import { captureLog } from '../support/log.js';

const run = promisify(execFile);
const SEED = path.join(REPO_ROOT, 'test', 'fixtures', 'seed-data');

const defer = cleanupAfterEach();

async function copyOfSeed(): Promise<string> {
  const dir = await tempDir('papo-seed-');
  defer(() => rm(dir, { recursive: true, force: true }));
  await cp(SEED, dir, { recursive: true });
  // The fixture is read-only in the repo; the text store converts a copy in place.
  for (const f of [
    '',
    'historico',
    'usuarios.txt',
    'mensagens.txt',
    ...(await readdir(path.join(SEED, 'historico'))).map((n) => `historico/${n}`),
  ])
    await chmod(path.join(dir, f), 0o755);
  return dir;
}

const migrateData = (from: string, to: string) =>
  run('npx', ['tsx', 'scripts/migrate-data.ts', '--from', from, '--to', to], {
    cwd: REPO_ROOT,
    env: { ...process.env, BCRYPT_COST: '10' },
  });

async function files(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of ['papo-format.txt', 'mensagens.txt', 'token-key.txt']) out[f] = await readFile(path.join(dir, f), 'utf8');
  out['usuarios.txt'] = (await readFile(path.join(dir, 'usuarios.txt'), 'utf8')).split('\n').sort().join('\n');
  for (const f of await readdir(path.join(dir, 'historico')))
    out[`historico/${f}`] = await readFile(path.join(dir, 'historico', f), 'utf8');
  return out;
}

describe.skipIf(!BASE_DATABASE_URL)('npm run migrate-data', () => {
  it("when the old system's folder is copied to PostgreSQL and exported back, then the files are the same, and a second run copies nothing", async () => {
    const source = await copyOfSeed();
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));

    const first = await migrateData(source, url);
    expect(first.stdout).toMatch(/imported .*: 3 users, [1-9]\d* new history records/);
    expect(first.stderr).toContain('100%');
    const counts = async () =>
      (
        await adminQuery<{ n: string }>(
          `SELECT (SELECT count(*) FROM ${schema}.events) || '/' || (SELECT count(*) FROM ${schema}.messages) AS n`,
        )
      )[0]?.n;
    const after = await counts();
    const again = await migrateData(source, url);
    expect(again.stdout).toContain('0 new history records');
    expect(await counts()).toBe(after);
    // An import cut short after some files: the next run copies what is missing, and only that.
    await adminQuery(`DELETE FROM ${schema}.events WHERE username = 'maria'`);
    await adminQuery(`DELETE FROM ${schema}.papo_meta WHERE key = 'import:maria'`);
    const resumed = await migrateData(source, url);
    expect(resumed.stdout).toMatch(/: 3 users, [1-9]\d* new history records/);
    expect(await counts()).toBe(after);

    // What PostgreSQL serves is what the text store serves from the converted folder.
    const log = captureLog().logger;
    const text = await TextStore.open({ dataDir: source, log, hashPassword: async (p) => p, sessionTtlMs: 60_000 });
    const pg = await PostgresStore.open({ url, poolSize: 2, log, sessionTtlMs: 60_000 });
    try {
      expect(pg.messages.epoch).toBe(text.messages.epoch);
      // The key too: the ids and cursors the folder handed out stay valid (issue #15, item 7).
      const { created: _made, ...pgKey } = await pg.messages.tokenKey();
      const { created: _kept, ...textKey } = await text.messages.tokenKey();
      expect(pgKey).toEqual(textKey);
      for (const user of ['joao', 'maria', 'pedro']) {
        expect(await pg.messages.history(user, { limit: 50 })).toEqual(await text.messages.history(user, { limit: 50 }));
        expect(await pg.messages.conversations(user)).toEqual(await text.messages.conversations(user));
        expect(await pg.messages.startPosition(user)).toBe(await text.messages.startPosition(user));
        expect(await pg.users.find(user)).toEqual(await text.users.find(user));
      }
    } finally {
      await pg.close();
      await text.close();
    }

    const exported = await tempDir('papo-export-');
    defer(() => rm(exported, { recursive: true, force: true }));
    const out = await migrateData(url, exported);
    expect(out.stdout).toMatch(/exported to .*: 3 users/);
    expect(await files(exported)).toEqual(await files(source));
    // And the export is a data folder the text store opens.
    const reopened = await TextStore.open({ dataDir: exported, log, hashPassword: async (p) => p, sessionTtlMs: 60_000 });
    await reopened.close();
  }, 60_000);

  it('when a folder holds profiles, then migrate-data carries them to PostgreSQL and export-data back to perfis.txt (issue #19)', async () => {
    const source = await copyOfSeed();
    const log = captureLog().logger;
    const text = await TextStore.open({ dataDir: source, log, hashPassword: async (p) => p, sessionTtlMs: 60_000 });
    await text.profiles.update('maria', { displayName: 'Maria Silva', lastSeenVisibility: 'nobody' });
    await text.profiles.recordLastSeen(new Map([['joao', 1_765_000_000_000]]));
    const expected = await text.profiles.get(['joao', 'maria', 'pedro']);
    await text.close();
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));

    await migrateData(source, url);
    const pg = await PostgresStore.open({ url, poolSize: 2, log, sessionTtlMs: 60_000 });
    try {
      expect(await pg.profiles.get(['joao', 'maria', 'pedro'])).toEqual(expected);
    } finally {
      await pg.close();
    }

    const exported = await tempDir('papo-export-');
    defer(() => rm(exported, { recursive: true, force: true }));
    await migrateData(url, exported);
    expect(await readFile(path.join(exported, 'perfis.txt'), 'utf8')).toBe(
      encodeRecord(['p', 'joao', '', 'everyone']) +
        encodeRecord(['s', 'joao', '1765000000000']) +
        encodeRecord(['p', 'maria', 'Maria Silva', 'nobody']),
    );
    const reopened = await TextStore.open({ dataDir: exported, log, hashPassword: async (p) => p, sessionTtlMs: 60_000 });
    try {
      expect(await reopened.profiles.get(['joao', 'maria', 'pedro'])).toEqual(expected);
    } finally {
      await reopened.close();
    }
  }, 60_000);

  it('when the database already holds another data set, then the import refuses and changes nothing', async () => {
    const source = await copyOfSeed();
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    const store = await PostgresStore.open({ url, poolSize: 2, log: captureLog().logger, sessionTtlMs: 60_000 });
    await store.users.create({ username: 'zed', passwordHash: 'x' });
    await store.users.create({ username: 'ana', passwordHash: 'x' });
    await store.messages.append({ from: 'zed', to: 'ana', content: 'already here' });
    await store.close();
    await expect(migrateData(source, url)).rejects.toMatchObject({ stderr: expect.stringContaining('already holds messages') });
    expect(await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.messages`)).toEqual([{ n: 1 }]);
    // And it is still served: the refusal did not mark it as an unfinished copy.
    const again = await PostgresStore.open({ url, poolSize: 2, log: captureLog().logger, sessionTtlMs: 60_000 });
    await again.close();
  }, 60_000);
});
