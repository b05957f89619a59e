import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeUser } from '../../api/store/text/records.js';
import { runScript } from '../support/cli.js';
import { specAgent } from '../support/contract.js';
import { cookieFrom } from '../support/cookies.js';
import { BASE_DATABASE_URL } from '../support/postgres.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { tempDir, type TestServer, testServers } from '../support/server.js';
import { PASSWORD, send } from '../support/users.js';

/**
 * A damaged line in usuarios.txt never frees its name (issue #15, item 2): the account stays reserved and
 * locked (423 account_locked to its owner and to strangers), its open sessions keep working, the start log
 * names it, and `npm run reset-password` brings it back.
 */

const NEW_PASSWORD = 'a brand new passphrase';
const defer = cleanupAfterEach();
const servers = testServers();

const login = (url: string, username: string, password: string) => specAgent(url).post('/api/session').send({ username, password });

/** ana, maria and joao (maria's line in the middle); maria's session cookie; joao has a message from maria. */
async function folderWithThreeAccounts(): Promise<{ dir: string; mariaCookie: string }> {
  const dir = await tempDir();
  defer(() => rm(dir, { recursive: true, force: true }));
  const s = await servers.start({ dataDir: dir });
  await login(s.url, 'ana', PASSWORD).expect(201);
  const maria = specAgent(s.url);
  const res = await maria.post('/api/session').send({ username: 'maria', password: PASSWORD }).expect(201);
  await login(s.url, 'joao', PASSWORD).expect(201);
  await send(maria, 'joao', 'oi');
  // Accounts made long ago: checkpoints have moved the journal on, so no replay can bring their lines back.
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    await send(maria, 'joao', `later ${i}`);
  }
  await s.stop();
  for (const journal of ['journal.txt', 'journal-2.txt']) {
    expect(await readFile(path.join(dir, journal), 'utf8').catch(() => '')).not.toMatch(/^a;u;/m);
  }
  return { dir, mariaCookie: cookieFrom(res) };
}

/** Changes one character of the hash on `line` (1-based) of usuarios.txt. */
async function damageHash(dir: string, line: number): Promise<string> {
  const file = path.join(dir, 'usuarios.txt');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const target = lines[line - 1] ?? '';
  const at = target.indexOf(';') + 20;
  lines[line - 1] = target.slice(0, at) + (target[at] === 'x' ? 'y' : 'x') + target.slice(at + 1);
  await writeFile(file, lines.join('\n'));
  return lines.join('\n');
}

const lockLogs = (s: TestServer) => s.log.entries.filter((l) => l.msg.startsWith('account locked'));

describe('a damaged account line', { timeout: 120_000 }, () => {
  it('when one character of a hash in the middle of usuarios.txt changes, then the name stays taken and locked, the others work, its sessions go on', async () => {
    const { dir, mariaCookie } = await folderWithThreeAccounts();
    const damaged = await damageHash(dir, 2);

    const s = await servers.start({ dataDir: dir });

    const stranger = await login(s.url, 'maria', 'a stranger takes the name').expect(423);
    expect(stranger.body.error.code).toBe('account_locked');
    expect(stranger.body.error.message).toMatch(/an operator must reset its password \(npm run reset-password\)/i);
    expect((await login(s.url, 'MARIA', PASSWORD).expect(423)).body.error.code).toBe('account_locked');
    await login(s.url, 'ana', PASSWORD).expect(200);
    const joao = specAgent(s.url);
    await joao.post('/api/session').send({ username: 'joao', password: PASSWORD }).expect(200);
    // The session maria opened with her password before the damage was issued legitimately: it keeps working.
    const session = await specAgent(s.url).get('/api/session').set('cookie', mariaCookie).expect(200);
    expect(session.body.user.username).toBe('maria');
    await specAgent(s.url).post('/api/messages').set('cookie', mariaCookie).send({ to: 'joao', content: 'still me' }).expect(201);
    await send(joao, 'maria', 'you are still there');
    expect(lockLogs(s)).toEqual([
      expect.objectContaining({ username: 'maria', reason: 'line 2 of usuarios.txt, its account line, is damaged' }),
    ]);
    expect(await readFile(path.join(dir, 'usuarios.txt'), 'utf8')).toBe(damaged);

    // And at the next start too.
    await s.stop();
    const again = await servers.start({ dataDir: dir });
    await login(again.url, 'maria', 'a stranger takes the name').expect(423);
  });

  it('when a history file has no readable account line, then its name is reserved too', async () => {
    const { dir } = await folderWithThreeAccounts();
    const file = path.join(dir, 'usuarios.txt');
    // The name itself unreadable: what remains of maria's line is no account line at all.
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/^maria;/m, 'M\u0000ria;'));

    const s = await servers.start({ dataDir: dir });

    expect((await login(s.url, 'maria', 'a stranger takes the name').expect(423)).body.error.code).toBe('account_locked');
    expect(lockLogs(s)).toEqual([
      expect.objectContaining({ username: 'maria', reason: 'it has a history file but no readable line in usuarios.txt' }),
    ]);
  });

  it('when the damaged line is the last one, then a lock record keeps the name reserved at every later start', async () => {
    const { dir } = await folderWithThreeAccounts();
    await damageHash(dir, 3);

    const s = await servers.start({ dataDir: dir });
    await login(s.url, 'joao', 'a stranger takes the name').expect(423);
    await s.stop();

    const lines = (await readFile(path.join(dir, 'usuarios.txt'), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => decodeUser(l))).toEqual([
      { ok: true, value: expect.objectContaining({ username: 'ana' }) },
      { ok: true, value: expect.objectContaining({ username: 'maria' }) },
      { ok: true, value: { username: 'joao', passwordHash: '!locked' } },
    ]);
    const again = await servers.start({ dataDir: dir });
    await login(again.url, 'joao', 'a stranger takes the name').expect(423);
    await login(again.url, 'joao', PASSWORD).expect(423);
  });

  it('when reset-password runs, then the damaged line is gone, the owner logs in with the new password and the old sessions end', async () => {
    const { dir, mariaCookie } = await folderWithThreeAccounts();
    const damaged = (await damageHash(dir, 2)).split('\n');

    const res = await runScript('reset-password', ['maria', '--data-dir', dir], {
      input: `${NEW_PASSWORD}\n`,
      env: { STORE: 'text', DATABASE_URL: '' },
    });

    expect(res).toEqual({
      code: 0,
      stdout: 'the password of maria was reset and its sessions ended; it can log in with the new password\n',
      stderr: '',
    });
    const lines = (await readFile(path.join(dir, 'usuarios.txt'), 'utf8')).trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual([damaged[0], damaged[2]]);
    expect(decodeUser(lines[2] ?? '')).toEqual({
      ok: true,
      value: { username: 'maria', passwordHash: expect.stringMatching(/^\$2[ab]\$10\$/) },
    });
    const s = await servers.start({ dataDir: dir });
    expect((await login(s.url, 'maria', NEW_PASSWORD).expect(200)).body).toEqual({ user: { username: 'maria' }, created: false });
    await login(s.url, 'maria', PASSWORD).expect(401);
    await specAgent(s.url).get('/api/session').set('cookie', mariaCookie).expect(401);
    expect(lockLogs(s)).toEqual([]);
  });
});

describe('npm run reset-password', { timeout: 120_000 }, () => {
  it('when misused (no such account, a weak password, the server running, --help), then it says so in one line', async () => {
    const { dir } = await folderWithThreeAccounts();
    const env = { STORE: 'text', DATABASE_URL: '' };
    // One at a time: two on one folder would meet its lock.
    const unknown = await runScript('reset-password', ['nobody', '--data-dir', dir], { input: `${NEW_PASSWORD}\n`, env });
    const weak = await runScript('reset-password', ['ana', '--data-dir', dir], { input: 'short\n', env });
    const [help, none] = await Promise.all([runScript('reset-password', ['--help'], { env }), runScript('reset-password', [], { env })]);
    const running = await servers.start({ dataDir: dir });
    const busy = await runScript('reset-password', ['ana', '--data-dir', dir], { input: `${NEW_PASSWORD}\n`, env });

    expect(unknown).toMatchObject({ code: 1, stderr: 'reset-password: there is no account named nobody\n' });
    expect(weak).toMatchObject({ code: 1, stderr: 'reset-password: passwords for new accounts are 8 to 72 bytes of UTF-8\n' });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run reset-password -- <username>/);
    expect(none).toMatchObject({ code: 2, stderr: 'reset-password: give exactly one username (see --help)\n' });
    expect(busy).toMatchObject({
      code: 1,
      stderr: `reset-password: another Papo server (pid ${process.pid}) is already using the data folder ${dir}; stop it first\n`,
    });
    await login(running.url, 'ana', PASSWORD).expect(200);
  });

  it.skipIf(!BASE_DATABASE_URL)(
    'when run on PostgreSQL beside a running server, then the new password works at once and the old sessions end',
    async () => {
      const s = await servers.start({ store: 'postgres' });
      const maria = specAgent(s.url);
      const res = await maria.post('/api/session').send({ username: 'maria', password: PASSWORD }).expect(201);
      const cookie = cookieFrom(res);
      await login(s.url, 'ana', PASSWORD).expect(201);
      await specAgent(s.url).get('/api/session').set('cookie', cookie).expect(200);
      const held = specAgent(s.url)
        .get('/api/messages?wait=30')
        .set('cookie', cookie)
        .then((r) => ({ status: r.status, at: performance.now() }));

      const reset = await runScript('reset-password', ['Maria'], {
        input: `${NEW_PASSWORD}\n`,
        env: { STORE: 'postgres', DATABASE_URL: s.databaseUrl ?? '' },
      });
      const resetAt = performance.now();

      expect(reset).toMatchObject({ code: 0, stderr: '' });
      // The ended session's held poll is answered at once, as after a logout (item 5), not after its 30 s.
      const answer = await held;
      expect(answer.status).toBe(200);
      expect(answer.at - resetAt).toBeLessThan(3000);
      await specAgent(s.url).get('/api/session').set('cookie', cookie).expect(401);
      await login(s.url, 'maria', PASSWORD).expect(401);
      await login(s.url, 'maria', NEW_PASSWORD).expect(200);
      await login(s.url, 'ana', PASSWORD).expect(200);
      const unknown = await runScript('reset-password', ['nobody'], {
        input: `${NEW_PASSWORD}\n`,
        env: { STORE: 'postgres', DATABASE_URL: s.databaseUrl ?? '' },
      });
      expect(unknown).toMatchObject({ code: 1, stderr: 'reset-password: there is no account named nobody\n' });
    },
  );
});
