import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/after-each.js';
import { startTestServer, tempDir, testServers } from '../support/server.js';
import { serverProcessesPerTest, sleep } from '../support/server-process.js';

/**
 * The data folder's lock is a kernel lock (flock on papo.pid, issue #15 item 3): whatever pid the file
 * names, only a live holder of the lock keeps another server out, and its death releases it.
 */

const defer = cleanupAfterEach();
const servers = testServers();
const processes = serverProcessesPerTest();
const startOn = (dataDir: string) => servers.start({ dataDir });

async function newFolder(): Promise<string> {
  const dir = await tempDir();
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function folderWithPidFile(pid: number): Promise<string> {
  const dir = await newFolder();
  await writeFile(path.join(dir, 'papo.pid'), `${pid}\n`);
  return dir;
}

function processState(pid: number): Promise<string | undefined> {
  // /proc/<pid>/stat: "pid (comm) S ...", the state right after the command's closing parenthesis.
  return readFile(`/proc/${pid}/stat`, 'utf8').then(
    (stat) => stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0],
    () => undefined,
  );
}

/**
 * A killed process that its parent never reaps: `sh` starts `sleep` in the background, prints its pid and
 * becomes `sleep` itself (exec), which never waits for children; killing the background `sleep` leaves it
 * a zombie, which `kill -0` still reports as alive.
 */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 600 & echo $!; exec sleep 600'], { stdio: ['ignore', 'pipe', 'ignore'] });
  defer(() => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(Number.parseInt(b.toString(), 10))));
  for (let i = 0; i < 200 && (await readFile(`/proc/${parent.pid}/comm`, 'utf8')).trim() !== 'sleep'; i++) await sleep(10);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200 && (await processState(pid)) !== 'Z'; i++) await sleep(10);
  return pid;
}

describe('the data-folder lock (papo.pid)', { timeout: 60_000 }, () => {
  it('when papo.pid names pid 1 (always alive), then the server starts and the file names the new server', async () => {
    const dir = await folderWithPidFile(1);
    const s = await startOn(dir);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect(await readFile(path.join(dir, 'papo.pid'), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('when papo.pid names a live process that is not a Papo server (a reused pid), then the server starts', async () => {
    const other = spawn('sleep', ['600'], { stdio: 'ignore' });
    defer(() => other.kill('SIGKILL'));
    expect(other.pid).toBeDefined();
    const s = await startOn(await folderWithPidFile(other.pid ?? 0));
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('when papo.pid names a zombie (a killed server not yet reaped), then the server starts', async () => {
    const pid = await zombie();
    expect(await processState(pid)).toBe('Z');
    const s = await startOn(await folderWithPidFile(pid));
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('when a live server (another process) holds the folder, then a second one is refused, naming its pid', async () => {
    const dir = await newFolder();
    await processes.start({ dataDir: dir });
    const holder = Number.parseInt(await readFile(path.join(dir, 'papo.pid'), 'utf8'), 10);
    await expect(startTestServer({ dataDir: dir })).rejects.toThrow(
      `another Papo server (pid ${holder}) is already using the data folder ${dir}; stop it first`,
    );
  });

  it('when the server holding the folder is killed with -9, then a new one starts at once, though papo.pid still names it', async () => {
    const dir = await newFolder();
    const first = await processes.start({ dataDir: dir });
    const holder = await readFile(path.join(dir, 'papo.pid'), 'utf8');
    await first.kill();
    expect(await readFile(path.join(dir, 'papo.pid'), 'utf8')).toBe(holder);
    const s = await startOn(dir);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('when a server stops, then the lock is released and the file is left empty', async () => {
    const dir = await newFolder();
    const s = await servers.start({ dataDir: dir });
    await s.stop();
    expect(await readFile(path.join(dir, 'papo.pid'), 'utf8')).toBe('');
    await startOn(dir);
  });
});
