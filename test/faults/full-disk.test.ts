/**
 * A full disk (issue #15, item 12). At start-up Papo rewrites sessions.txt and limites.txt, replays the
 * journal and compacts the queue; on a full disk each of these failed, and the server did not start at all,
 * leaving sessions.txt.tmp behind. Now it starts, serves reads, answers writes 503 `unavailable` with
 * Retry-After while the disk is full, leaves no temporary file, and takes writes again by itself once space
 * returns. The disk is a Disk that fails every write with ENOSPC (after writing part of it, as a short write
 * does) and every new folder, until told otherwise; `real full file system` does it on a small tmpfs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import supertest from 'supertest';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAccounts } from '../../api/accounts/accounts.js';
import { createDeviceTokens } from '../../api/accounts/device-token.js';
import { createLoginLimits } from '../../api/accounts/login-limits.js';
import { createPasswordHasher } from '../../api/accounts/password-hasher.js';
import { createApp } from '../../api/app.js';
import type { Message } from '../../api/contract.js';
import { LongPollHub } from '../../api/messaging/long-poll.js';
import { createMessaging } from '../../api/messaging/messaging.js';
import { PresenceTracker } from '../../api/profiles/presence.js';
import { createProfiles } from '../../api/profiles/profiles.js';
import { NodeDisk, type DiskFile } from '../../api/store/text/disk.js';
import { appendHistory, appendQueued, encodeJournal } from '../../api/store/text/journal.js';
import type { TextStore } from '../../api/store/text/text-store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { expectMatchesSpec, SPEC_PATH } from '../support/contract.js';
import { TEST_SECRET, tempDir } from '../support/server.js';
import { PASSWORD } from '../support/users.js';
import { freePort } from '../support/free-port.js';
import { buildServer, SERVER_BUNDLE } from '../support/build-server.js';
import { sleep } from '../support/server-process.js';
import { openStore, type LogLine } from './support/store.js';

/** A disk that is full while `full` is set: writes fail with ENOSPC after taking part of their bytes, and so does mkdir. */
class FullDisk extends NodeDisk {
  full = false;
  /** Which files the full disk refuses (all by default): which write meets a full disk first is chance. */
  refuses: (file: string) => boolean = () => true;
  failedWrites = 0;

  override async open(file: string, flags: string): Promise<DiskFile> {
    const handle = await super.open(file, flags);
    const write = (data: string | Buffer, offset = 0, length?: number, position: number | null = null): Promise<unknown> => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data.subarray(offset, offset + (length ?? data.length - offset));
      if (!this.full || !this.refuses(file)) return handle.write(bytes, 0, bytes.length, position);
      this.failedWrites++;
      const part = Math.floor(bytes.length / 2);
      return handle.write(bytes, 0, part, position).then(() => Promise.reject(noSpace(`write of ${path.basename(file)}`)));
    };
    return {
      write,
      read: (...args) => handle.read(...args),
      datasync: () => handle.datasync(),
      truncate: (length) => handle.truncate(length),
      stat: () => handle.stat(),
      close: () => handle.close(),
    };
  }

  override async mkdir(folder: string): Promise<void> {
    if (this.full) throw noSpace(`mkdir ${folder}`);
    return super.mkdir(folder);
  }
}

const noSpace = (what: string) => Object.assign(new Error(`ENOSPC: no space left on device, ${what}`), { code: 'ENOSPC' });

interface Running {
  store: TextStore;
  logs: LogLine[];
  url: string;
  close(): Promise<void>;
}

const defer = cleanupAfterEach();

/** The app over a text store on `dir` through `disk`, as the server runs it. */
async function start(dir: string, disk?: FullDisk): Promise<Running> {
  const { store, logs } = await openStore(dir, disk ? { disk } : {});
  const hasher = createPasswordHasher(4);
  const hub = new LongPollHub({ perUser: 5, total: 100 });
  const limits = {
    failuresPerUsername: 10,
    failuresPerDevice: 10,
    failuresPerAddress: 100,
    loginWindowMs: 900_000,
    signupsPerAddress: 100,
    signupWindowMs: 3_600_000,
  };
  const app = createApp({
    store,
    accounts: createAccounts(store.users, hasher, createDeviceTokens([TEST_SECRET]), createLoginLimits(store.rateLimits, limits)),
    profiles: createProfiles(store, new PresenceTracker(store, (user) => hub.isHolding(user), store.log)),
    messaging: createMessaging(store, hub, await store.messages.tokenKey()),
    log: store.log,
    sessionSecrets: [TEST_SECRET],
    sessionIdleDays: 30,
    sessionMaxDays: 365,
    trustProxy: false,
    specPath: SPEC_PATH,
    isStopping: () => false,
  });
  const server: Server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await hasher.close();
  };
  defer(close);
  return { store, logs, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

/** A logged-in device: its session cookie, used against whichever server runs on the folder now. */
interface Device {
  cookie: string;
}

type Method = 'get' | 'post' | 'delete';

/** One request, its answer held to openapi.yaml. */
async function call(url: string, device: Device | undefined, method: Method, route: string, body?: unknown): Promise<supertest.Response> {
  let req = supertest(url)[method](route);
  if (device) req = req.set('Cookie', device.cookie);
  const res = await (body === undefined ? req : req.send(body as object));
  expectMatchesSpec(res, method.toUpperCase(), route);
  return res;
}

async function login(url: string, username: string, password = PASSWORD): Promise<Device> {
  const res = await call(url, undefined, 'post', '/api/session', { username, password });
  expect([200, 201]).toContain(res.status);
  const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('papo.sid='))?.split(';')[0];
  return { cookie: cookie ?? '' };
}

/** A data folder with two accounts, three messages (two delivered and acknowledged, one not), and ana's device. */
async function seedFolder(): Promise<{ dir: string; ana: Device }> {
  const dir = await tempDir('papo-full-');
  defer(() => fsp.rm(dir, { recursive: true, force: true }));
  const first = await start(dir);
  const ana = await login(first.url, 'ana');
  const beto = await login(first.url, 'beto');
  for (const content of ['one', 'two'])
    expect((await call(first.url, ana, 'post', '/api/messages', { to: 'beto', content })).status).toBe(201);
  const got = await call(first.url, beto, 'get', '/api/messages?wait=0');
  await call(first.url, beto, 'get', `/api/messages?wait=0&after=${encodeURIComponent(got.body.cursor as string)}`);
  expect((await call(first.url, ana, 'post', '/api/messages', { to: 'beto', content: 'three' })).status).toBe(201);
  await first.close();
  return { dir, ana };
}

/** Sends until the server takes it (it refuses with 503 while it has not recovered). */
async function sendOnceRecovered(url: string, device: Device, body: object): Promise<supertest.Response> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await call(url, device, 'post', '/api/messages', body);
    if (res.status !== 503 || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function contents(url: string, device: Device, peer: string): Promise<string[]> {
  const res = await call(url, device, 'get', `/api/history?with=${peer}`);
  expect(res.status).toBe(200);
  return (res.body.messages as Message[]).map((m) => m.content);
}

/** Files a write left unfinished: temporary copies and a compaction's new queue. */
async function leftovers(dir: string): Promise<string[]> {
  const names = [...(await fsp.readdir(dir)), ...(await fsp.readdir(path.join(dir, 'historico'))).map((n) => `historico/${n}`)];
  return names.filter((n) => n.endsWith('.tmp') || n.endsWith('.compact'));
}

function expectUnavailable(res: supertest.Response): void {
  expect(res.status).toBe(503);
  expect((res.body as { error: { code: string } }).error.code).toBe('unavailable');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('a full disk', () => {
  it('when the disk is full at start-up, then Papo starts, serves reads, answers writes 503 with Retry-After, leaves no temporary file, and takes writes again by itself once space returns', async () => {
    const { dir, ana } = await seedFolder();
    const disk = new FullDisk();
    disk.full = true;
    const { url, logs, close } = await start(dir, disk);

    // Reads: history, conversations, a poll that acknowledges nothing new, who am I.
    expect(await contents(url, ana, 'beto')).toEqual(['one', 'two', 'three']);
    expect((await call(url, ana, 'get', '/api/conversations')).status).toBe(200);
    expect((await call(url, ana, 'get', '/api/messages?wait=0')).status).toBe(200);
    expect((await call(url, ana, 'get', '/api/session')).status).toBe(200);
    // Writes: a send, a login (it stores a session), a logout; a wrong password is still a 401.
    expectUnavailable(await call(url, ana, 'post', '/api/messages', { to: 'beto', content: 'while full', clientId: 'f-1' }));
    expectUnavailable(await call(url, undefined, 'post', '/api/session', { username: 'beto', password: PASSWORD }));
    expect((await call(url, undefined, 'post', '/api/session', { username: 'beto', password: 'not his password' })).status).toBe(401);
    expectUnavailable(await call(url, ana, 'delete', '/api/session'));
    // A logout that could not be written did not happen.
    expect((await call(url, ana, 'get', '/api/session')).status).toBe(200);
    expect(disk.failedWrites).toBeGreaterThan(0);
    expect(await leftovers(dir)).toEqual([]);
    // What the start could not do, it said: the record files not rewritten, the queue not compacted.
    const warned = logs.filter((l) => l.level === 40 && /the disk is full/.test(l.msg)).map((l) => `${String(l.file ?? '')} ${l.msg}`);
    expect(warned.sort()).toEqual([
      ' mensagens.txt not compacted: the disk is full',
      'bloqueios.txt not rewritten with its live records only: the disk is full',
      'limites.txt not rewritten with its live records only: the disk is full',
      'perfis.txt not rewritten with its live records only: the disk is full',
      'push-subscriptions.txt not rewritten with its live records only: the disk is full',
      'sessions.txt not rewritten with its live records only: the disk is full',
    ]);

    disk.full = false;
    expect((await sendOnceRecovered(url, ana, { to: 'beto', content: 'while full', clientId: 'f-1' })).status).toBe(201);
    const beto = await login(url, 'beto');
    expect(await contents(url, beto, 'ana')).toEqual(['one', 'two', 'three', 'while full']);
    expect((await call(url, ana, 'delete', '/api/session')).status).toBe(204);
    expect((await call(url, ana, 'get', '/api/session')).status).toBe(401);
    // The failed login while the disk was full counted (in memory), and its count went out with the next one.
    expect((await call(url, undefined, 'post', '/api/session', { username: 'ana', password: 'not her password' })).status).toBe(401);
    const limits = (await fsp.readFile(path.join(dir, 'limites.txt'), 'utf8')).split('\n');
    expect(limits.filter((l) => l.startsWith('r;login-addr:127.0.0.1;')).at(-1)).toMatch(/^r;login-addr:127\.0\.0\.1;2;/);
    await close();

    const after = await openStore(dir);
    defer(() => after.store.close());
    expect(after.logs.filter((l) => l.level >= 40)).toEqual([]);
    expect((await after.store.messages.history('ana', { limit: 10 })).messages.map((m) => m.content)).toEqual([
      'one',
      'two',
      'three',
      'while full',
    ]);
  });

  it('when the journal holds a message the data files lack and the disk is full at start-up, then it is read from memory, and written once space returns', async () => {
    const { dir, ana } = await seedFolder();
    // A batch committed but never applied (the server stopped between the two): seq 99 is above every other.
    const record = {
      kind: 'msg',
      seq: 99,
      sentAt: new Date().toISOString(),
      from: 'beto',
      to: 'ana',
      content: 'only in the journal',
      clientId: undefined,
    } as const;
    const batch = encodeJournal([
      appendQueued({ ...record, delivered: false }),
      appendHistory('ana', record),
      appendHistory('beto', record),
    ]);
    await fsp.writeFile(path.join(dir, 'journal.txt'), `gen;1000\n${batch}`, { mode: 0o600 });
    const disk = new FullDisk();
    disk.full = true;
    const running = await start(dir, disk);
    expect(running.logs.some((l) => l.level === 50 && /^the disk is full: serving reads/.test(l.msg))).toBe(true);
    expect(await contents(running.url, ana, 'beto')).toEqual(['one', 'two', 'three', 'only in the journal']);
    expectUnavailable(await call(running.url, ana, 'post', '/api/messages', { to: 'beto', content: 'refused' }));

    disk.full = false;
    await expect
      .poll(() => running.logs.some((l) => l.msg === 'data files re-checked; accepting writes again'), { timeout: 20_000 })
      .toBe(true);
    await running.close();
    const history = await fsp.readFile(path.join(dir, 'historico', 'history_ana.txt'), 'utf8');
    expect(history).toContain('only in the journal');
  });

  it('when the disk fills while serving, then reads keep working through every attempt to reload, and writes come back with the space', async () => {
    const { dir, ana } = await seedFolder();
    const disk = new FullDisk();
    const { url, logs } = await start(dir, disk);
    // The disk fills between the journal's write of 'four' and the checkpoint that writes it to the histories.
    disk.refuses = (file) => file.includes('historico');
    disk.full = true;
    expect((await call(url, ana, 'post', '/api/messages', { to: 'beto', content: 'four' })).status).toBe(201);
    await expect.poll(() => logs.some((l) => l.msg.startsWith('a data file could not be written or synced'))).toBe(true);
    expectUnavailable(await call(url, ana, 'post', '/api/messages', { to: 'beto', content: 'refused' }));
    // Each attempt to reload (200, 400, 800 ms apart) re-applies the journal and cannot write it.
    await expect
      .poll(() => logs.filter((l) => l.msg === 'the disk is still full; refusing writes').length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    expect(await contents(url, ana, 'beto')).toEqual(['one', 'two', 'three', 'four']);
    expect((await call(url, ana, 'get', '/api/conversations')).status).toBe(200);
    expectUnavailable(await call(url, ana, 'post', '/api/messages', { to: 'beto', content: 'refused' }));

    disk.full = false;
    expect((await sendOnceRecovered(url, ana, { to: 'beto', content: 'five', clientId: 'r-5' })).status).toBe(201);
    expect(await contents(url, ana, 'beto')).toEqual(['one', 'two', 'three', 'four', 'five']);
  });

  it('when a start finds temporary files a stopped write left, then it removes them and says so', async () => {
    const { dir } = await seedFolder();
    const stray = ['sessions.txt.tmp', 'limites.txt.tmp', 'mensagens.txt.compact', 'historico/history_ana.txt.tmp'];
    for (const name of stray) await fsp.writeFile(path.join(dir, name), 'half of something', { mode: 0o600 });
    const running = await start(dir);
    expect(await leftovers(dir)).toEqual([]);
    const report = running.logs.find((l) => l.msg === 'removed files left by unfinished writes');
    expect((report?.files as string[] | undefined)?.sort()).toEqual([...stray].sort());
  });
});

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Whether this machine lets the test mount a small tmpfs in a mount namespace of its own (unshare(1) as root,
 * or with user namespaces): the real full file system below. Nothing outside the namespace sees the mount.
 */
function tmpfsUnavailable(): string | undefined {
  const probe = spawnSync(
    'sh',
    ['-c', 'd=$(mktemp -d) && unshare --mount --propagation private mount -t tmpfs -o size=64k papo-probe "$d"; s=$?; rmdir "$d"; exit $s'],
    {
      encoding: 'utf8',
    },
  );
  return probe.status === 0 ? undefined : (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim();
}

const noTmpfs = tmpfsUnavailable();
if (noTmpfs) console.warn(`full disk on a real file system: skipped, cannot mount a tmpfs here (${noTmpfs})`);

describe('a real full file system', () => {
  it.skipIf(noTmpfs !== undefined)(
    'when the server starts on a tmpfs with no byte free, then it serves reads, answers each write 201 or 503, leaves no temporary file, and takes writes once a file is removed',
    async () => {
      const { dir: seed, ana } = await seedFolder();
      const mount = await tempDir('papo-tmpfs-');
      defer(() => fsp.rm(mount, { recursive: true, force: true }));
      const port = await freePort();
      buildServer();
      // In a mount namespace of its own: a 2 MiB tmpfs on `mount`, the seeded folder copied in, the rest
      // filled with zeros until the file system refuses, then the real server (as `npm start` runs it) on it.
      const script =
        'mount -t tmpfs -o size=2m,mode=0700 papo-full "$1" && cp -a "$2/." "$1/" && ' +
        '{ cat /dev/zero > "$1/filler" 2>/dev/null; true; } && exec "$3" "$4"';
      const child = spawn(
        'unshare',
        ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', mount, seed, process.execPath, SERVER_BUNDLE],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            STORE: 'text',
            DATABASE_URL: '',
            PORT: String(port),
            HOST: '127.0.0.1',
            DATA_DIR: mount,
            SESSION_SECRET: TEST_SECRET,
            BCRYPT_COST: '10',
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const output: string[] = [];
      child.stdout.on('data', (b: Buffer) => output.push(b.toString()));
      child.stderr.on('data', (b: Buffer) => output.push(b.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      defer(async () => {
        if (child.exitCode === null) child.kill('SIGKILL');
        await exited;
      });
      // The folder as the server sees it, through its mount namespace.
      const inside = `/proc/${child.pid}/root${mount}`;
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      while (
        !(await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`the server did not start on the full file system:\n${output.join('')}`);
        await sleep(50);
      }
      // Practically full: the start's own failed writes gave back what they took.
      expect((await fsp.statfs(inside)).bavail).toBeLessThan(16);

      expect(await contents(url, ana, 'beto')).toEqual(['one', 'two', 'three']);
      expect((await call(url, ana, 'get', '/api/messages?wait=0')).status).toBe(200);
      // A write that fits in blocks the files already have (or that a journal restart gives back) still lands:
      // every answer is a 201 or a 503 with Retry-After, and the 503s come as soon as the blocks run out.
      const acknowledged: string[] = [];
      let refused = 0;
      for (let i = 0; i < 40; i++) {
        const content = `${i} ${'x'.repeat(300)}`;
        const res = await call(url, ana, 'post', '/api/messages', { to: 'beto', content, clientId: `t-${i}` });
        if (res.status === 201) acknowledged.push(content);
        else {
          expectUnavailable(res);
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(0);
      expect(await leftovers(inside)).toEqual([]);

      await fsp.rm(path.join(inside, 'filler'));
      expect((await sendOnceRecovered(url, ana, { to: 'beto', content: 'once there is room', clientId: 't-room' })).status).toBe(201);
      const after = await contents(url, ana, 'beto');
      expect(after.slice(0, 3)).toEqual(['one', 'two', 'three']);
      expect(after.at(-1)).toBe('once there is room');
      for (const content of acknowledged) expect(after).toContain(content);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    60_000,
  );
});
