import { cp, readdir, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATA_FILES } from '../../api/store/text/data-layout.js';
import { nodeDisk } from '../../api/store/text/disk.js';
import { importLegacyFolder } from '../../api/store/text/legacy-import.js';
import { snapshot } from '../faults/support/store.js';
import { runScript } from '../support/cli.js';
import { specAgent } from '../support/contract.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { startTestServer, tempDir, testServers } from '../support/server.js';
import { serverProcessesPerTest } from '../support/server-process.js';
import { PASSWORD, messagesOf, poll, send, signUp } from '../support/users.js';

/**
 * A data folder that lost papo-format.txt (issue #15, item 1): it used to be imported as an old-system folder,
 * which made every password hash a password. A folder holding Papo's own records is refused with one line
 * that names the way back, `npm run repair-format`.
 */

// The old timestamps are local time: read them as UTC whatever the machine's zone.
process.env.TZ = 'UTC';
const SEED = fileURLToPath(new URL('../fixtures/seed-data', import.meta.url));
const defer = cleanupAfterEach();
const servers = testServers();
const processes = serverProcessesPerTest();
const start = (dataDir: string) => servers.start({ dataDir });

async function newFolder(): Promise<string> {
  const dir = await tempDir();
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** A folder Papo has used: two accounts, a message, a cursor a device holds; the server stopped. */
async function usedFolder(): Promise<{ dir: string; cursor: string; messageId: string }> {
  const dir = await newFolder();
  const s = await start(dir);
  const maria = await signUp(s.url, 'maria');
  const joao = await signUp(s.url, 'joao');
  const m = await send(maria, 'joao', 'oi joao');
  const { cursor } = await poll(joao);
  await s.stop();
  return { dir, cursor, messageId: m.id };
}

const startRefusal = (dir: string) =>
  startTestServer({ dataDir: dir }).then(
    () => 'started',
    (err: Error) => err.message,
  );

describe('a data folder without papo-format.txt', { timeout: 120_000 }, () => {
  it('when papo-format.txt is deleted from a used folder, then start refuses in one line naming the folder and the repair, and moves nothing', async () => {
    const { dir } = await usedFolder();
    await unlink(path.join(dir, 'papo-format.txt'));
    const before = await snapshot(dir);

    const refusal = await startRefusal(dir);

    expect(refusal).toBe(
      `the data folder ${dir} holds Papo's own records (journal.txt) but its papo-format.txt is missing, so Papo will not start on it; ` +
        `put papo-format.txt back from a backup, or run: npm run repair-format -- --data-dir ${dir} (docs/storage.md, "When papo-format.txt is missing")`,
    );
    expect(await snapshot(dir)).toEqual(before);
    expect(await exists(path.join(dir, 'backup-legacy'))).toBe(false);
  });

  it('when `npm start` meets such a folder, then it prints that one line, no stack trace, and exits 1', async () => {
    const { dir } = await usedFolder();
    await unlink(path.join(dir, 'papo-format.txt'));
    const server = await processes.make({ dataDir: dir });
    server.launch();
    const code = await server.exited;
    const err = server.stderr;
    expect(code).toBe(1);
    expect(err).toMatch(/^papo: the data folder .* papo-format.txt is missing, .*npm run repair-format -- --data-dir .*\n$/);
    expect(err.split('\n')).toHaveLength(2);
  });

  it('when repair-format runs on it, then service comes back: the real passwords work, history is kept, each device reloads once (410)', async () => {
    const { dir, cursor, messageId } = await usedFolder();
    await unlink(path.join(dir, 'papo-format.txt'));
    const users = await readFile(path.join(dir, 'usuarios.txt'), 'utf8');

    const repaired = await runScript('repair-format', ['--data-dir', dir]);

    expect(repaired).toMatchObject({ code: 0, stderr: '' });
    expect(repaired.stdout).toMatch(
      /^wrote .*papo-format.txt \(new data set [0-9a-f]{12}\); start the server: each device reloads once\n$/,
    );
    expect(await readFile(path.join(dir, 'usuarios.txt'), 'utf8')).toBe(users);
    const s = await start(dir);
    const maria = specAgent(s.url);
    await maria.post('/api/session').send({ username: 'maria', password: PASSWORD }).expect(200);
    const history = await maria.get('/api/history?with=joao').expect(200);
    expect(history.body.messages.map((m: { id: string; content: string }) => [m.id, m.content])).toEqual([[messageId, 'oi joao']]);
    // What an import would have made of the line: the text after the name as the password.
    const hashAndSum = users.split('\n')[0]?.slice('maria;'.length) ?? '';
    await specAgent(s.url).post('/api/session').send({ username: 'maria', password: hashAndSum }).expect(401);
    const joao = specAgent(s.url);
    await joao.post('/api/session').send({ username: 'joao', password: PASSWORD }).expect(200);
    const stale = await joao.get(`/api/messages?wait=0&after=${cursor}`).expect(410);
    expect(stale.body.error.code).toBe('cursor_expired');
    expect(messagesOf((await poll(joao)).events).map((m) => m.content)).toEqual(['oi joao']);
  });

  it('when a folder holds only checksummed accounts (no journal, no sessions), then it is still refused', async () => {
    const { dir } = await usedFolder();
    // Everything but usuarios.txt goes, whatever files the layout gains later.
    for (const f of await readdir(dir)) {
      if (f !== DATA_FILES.users) await rm(path.join(dir, f), { recursive: true, force: true });
    }
    expect(await startRefusal(dir)).toMatch(/holds Papo's own records \(a Papo record at usuarios.txt line 1\)/);
  });

  it('when a folder holds lines that neither Papo nor the old system wrote, then start refuses and imports nothing', async () => {
    const dir = await newFolder();
    await writeFile(path.join(dir, 'usuarios.txt'), '<!doctype html>\n<title>not accounts</title>\n');
    expect(await startRefusal(dir)).toBe(
      `the data folder ${dir} has no papo-format.txt and holds neither Papo's records nor the old system's (usuarios.txt line 1 is neither); ` +
        'check DATA_DIR, or move these files out of the folder',
    );
    expect(await exists(path.join(dir, 'backup-legacy'))).toBe(false);
  });

  it('when an old-system import stopped after its backup but before papo-format.txt, then the next start resumes it from the backup', async () => {
    const dir = await newFolder();
    await cp(SEED, dir, { recursive: true });
    // The crash: the backup is whole, the files are (half) rewritten in Papo's format, no papo-format.txt yet.
    await importLegacyFolder(dir, async (plain) => `plain:${plain}`, nodeDisk);
    await truncate(path.join(dir, 'usuarios.txt'), 30);

    const s = await start(dir);

    const joao = specAgent(s.url);
    await joao.post('/api/session').send({ username: 'joao', password: '1234' }).expect(200);
    await specAgent(s.url).post('/api/session').send({ username: 'maria', password: 'senha123' }).expect(200);
    expect((await joao.get('/api/history').expect(200)).body.messages).toHaveLength(3);
    expect(await exists(path.join(dir, 'backup-legacy', 'IMPORTED'))).toBe(true);
  });

  it('when a folder imported long ago loses papo-format.txt, then it is not imported again; the repair keeps everything since', async () => {
    const dir = await newFolder();
    await cp(SEED, dir, { recursive: true });
    const first = await start(dir);
    const joao = specAgent(first.url);
    await joao.post('/api/session').send({ username: 'joao', password: '1234' }).expect(200);
    await signUp(first.url, 'novo');
    await send(joao, 'novo', 'bem-vindo');
    await first.stop();
    await unlink(path.join(dir, 'papo-format.txt'));

    expect(await startRefusal(dir)).toMatch(/holds Papo's own records \(backup-legacy\/IMPORTED: it was imported from the old system\)/);
    // A folder imported before IMPORTED was written: what Papo wrote since tells it apart from an interrupted import.
    await unlink(path.join(dir, 'backup-legacy', 'IMPORTED'));
    const before = await snapshot(dir);
    expect(await startRefusal(dir)).toMatch(/holds Papo's own records \(journal.txt\)/);
    expect(await snapshot(dir)).toEqual(before);

    expect((await runScript('repair-format', ['--data-dir', dir])).code).toBe(0);
    const s = await start(dir);
    const novo = specAgent(s.url);
    await novo.post('/api/session').send({ username: 'novo', password: PASSWORD }).expect(200);
    expect(messagesOf((await poll(novo)).events).map((m) => m.content)).toEqual(['bem-vindo']);
    expect(await exists(path.join(dir, 'backup-legacy', 'IMPORTED'))).toBe(true);
  });
});

describe('npm run repair-format', { timeout: 60_000 }, () => {
  it('when asked for --help, then it says what it does and how to call it', async () => {
    const res = await runScript('repair-format', ['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^usage: npm run repair-format -- --data-dir <folder>\n/);
  });

  it("when the folder is the old system's, empty, or in use, then it refuses in one line and writes nothing", async () => {
    const seed = await newFolder();
    await cp(SEED, seed, { recursive: true });
    const empty = await newFolder();
    const { dir: used } = await usedFolder();
    const running = await start(used);

    const results = await Promise.all([
      runScript('repair-format', ['--data-dir', seed]),
      runScript('repair-format', ['--data-dir', empty]),
      runScript('repair-format', ['--data-dir', used]),
      runScript('repair-format', ['--data-dir']),
    ]);

    expect(results.map((r) => r.code)).toEqual([1, 1, 1, 2]);
    expect(results[0]?.stderr).toBe(
      `repair-format: the data folder ${seed} holds the old system's files, not Papo's: there is nothing to repair (a server started on it imports them)\n`,
    );
    expect(results[1]?.stderr).toMatch(/^repair-format: the data folder .* holds no data: there is nothing to repair/);
    expect(results[2]?.stderr).toBe(
      `repair-format: another Papo server (pid ${process.pid}) is already using the data folder ${used}; stop it first\n`,
    );
    expect(results[3]?.stderr).toMatch(/^repair-format: .* \(see --help\)\n$/);
    for (const r of results) expect(r.stderr.split('\n')).toHaveLength(2);
    expect(await exists(path.join(seed, 'papo-format.txt'))).toBe(false);
    expect(await exists(path.join(empty, 'papo-format.txt'))).toBe(false);
    void running;
  });
});
