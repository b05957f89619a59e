/**
 * Disk errors (issue #6): ENOSPC and EIO injected on write and on fsync, through the store's Disk seam
 * (api/store/text/disk.ts). The sender gets a 503 `unavailable`, never a 201 for a write that did not reach
 * the disk; a failed data-file write or fsync puts the committer in a failed state (no write is trusted again
 * on the same handles), the store reopens every file and replays the journal, and serves again once the disk
 * recovers, with every 201'd message there.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAccounts } from '../../api/accounts/accounts.js';
import { createDeviceTokens } from '../../api/accounts/device-token.js';
import { createPasswordHasher, type PasswordHasher } from '../../api/accounts/password-hasher.js';
import { createApp } from '../../api/app.js';
import type { Message } from '../../api/contract.js';
import { LongPollHub } from '../../api/messaging/long-poll.js';
import { createMessaging } from '../../api/messaging/messaging.js';
import { PresenceTracker } from '../../api/profiles/presence.js';
import { createProfiles } from '../../api/profiles/profiles.js';
import { NodeDisk } from '../../api/store/text/disk.js';
import type { TextStore } from '../../api/store/text/text-store.js';
import { SPEC_PATH, specAgent, type SpecAgent } from '../support/contract.js';
import { TEST_SECRET, tempDir } from '../support/server.js';
import { PASSWORD } from '../support/users.js';
import { openStore, type LogLine } from './support/store.js';

type Op = 'write' | 'datasync';

/** A disk whose handles fail on demand: `fail(op, code, match)` until `heal()`. */
class FaultyDisk extends NodeDisk {
  private fault: { op: Op; code: 'ENOSPC' | 'EIO'; match: (file: string) => boolean } | undefined;
  readonly opened: string[] = [];
  failures = 0;

  fail(op: Op, code: 'ENOSPC' | 'EIO', match: (file: string) => boolean): void {
    this.fault = { op, code, match };
  }

  heal(): void {
    this.fault = undefined;
  }

  override async open(file: string, flags: string) {
    const handle = await fsp.open(file, flags);
    this.opened.push(path.basename(file));
    return new Proxy(handle, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const fault = this.fault;
        if (fault && prop === fault.op && fault.match(file)) {
          return async () => {
            this.failures++;
            throw Object.assign(new Error(`${fault.code}: injected on ${String(prop)} of ${path.basename(file)}`), { code: fault.code });
          };
        }
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
  }
}

const isJournal = (f: string) => /journal(-2)?\.txt$/.test(f);
const isDataFile = (f: string) => !isJournal(f);

let dir: string;
let disk: FaultyDisk;
let store: TextStore;
let logs: LogLine[];
let server: Server;
let hasher: PasswordHasher;
let url: string;

beforeEach(async () => {
  dir = await tempDir('papo-disk-');
  disk = new FaultyDisk();
  ({ store, logs } = await openStore(dir, { disk }));
  hasher = createPasswordHasher(10);
  const hub = new LongPollHub({ perUser: 5, total: 100 });
  const app = createApp({
    store,
    accounts: createAccounts(store.users, hasher, createDeviceTokens([TEST_SECRET])),
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
  server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  disk.heal();
  await new Promise((resolve) => server.close(resolve));
  await store.close();
  await hasher.close();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function login(username: string): Promise<SpecAgent> {
  const agent = specAgent(url);
  await agent.post('/api/session').send({ username, password: PASSWORD }).expect(201);
  return agent;
}

/** Sends until the server takes it (201, or 200 for a retry of a send that landed after all). */
async function sendWhenHealthy(
  agent: SpecAgent,
  to: string,
  content: string,
  clientId: string,
): Promise<{ status: number; message: Message }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await agent.post('/api/messages').send({ to, content, clientId });
    if (res.status === 201 || res.status === 200) return { status: res.status, message: res.body.message as Message };
    expect(res.status).toBe(503);
    if (Date.now() > deadline) throw new Error('the server did not recover');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function historyContents(agent: SpecAgent, peer: string): Promise<string[]> {
  const res = await agent.get(`/api/history?with=${peer}`).expect(200);
  return (res.body.messages as Message[]).map((m) => m.content);
}

describe.each(['ENOSPC', 'EIO'] as const)('%s', (code) => {
  it('when the journal cannot be written, then the send is a 503 and nothing of it is on disk; the next send works once the disk recovers', async () => {
    const alice = await login('alice');
    const bruno = await login('bruno');
    disk.fail('write', code, isJournal);
    const res = await alice.post('/api/messages').send({ to: 'bruno', content: 'never stored', clientId: 'j-1' }).expect(503);
    expect(res.body.error.code).toBe('unavailable');
    disk.heal();
    // The same clientId is new to the server: the first attempt never happened.
    expect((await sendWhenHealthy(alice, 'bruno', 'never stored', 'j-1')).status).toBe(201);
    expect(await historyContents(bruno, 'alice')).toEqual(['never stored']);
  });

  it('when the journal fsync fails, then the send is a 503, never a 201', async () => {
    const alice = await login('alice');
    await login('bruno');
    disk.fail('datasync', code, isJournal);
    const res = await alice.post('/api/messages').send({ to: 'bruno', content: 'not durable', clientId: 'j-2' }).expect(503);
    expect(res.body.error.code).toBe('unavailable');
    disk.heal();
    const retry = await sendWhenHealthy(alice, 'bruno', 'not durable', 'j-2');
    expect([200, 201]).toContain(retry.status);
    expect(await historyContents(alice, 'bruno')).toEqual(['not durable']);
  });

  it('when the queue cannot be written, then the send is a 503, the store refuses writes, reopens its files, replays the journal, and serves again after the disk recovers', async () => {
    const alice = await login('alice');
    const bruno = await login('bruno');
    // The queue is written with each batch (a poll reads it); the histories only at the checkpoint (next test).
    disk.fail('write', code, (f) => f.endsWith('mensagens.txt'));
    const res = await alice.post('/api/messages').send({ to: 'bruno', content: 'journalled, not applied', clientId: 'd-1' }).expect(503);
    expect(res.body.error.code).toBe('unavailable');
    // Failed state: refused at once, without touching the disk again.
    const failuresBefore = disk.failures;
    await alice.post('/api/messages').send({ to: 'bruno', content: 'refused' }).expect(503);
    expect(disk.failures).toBe(failuresBefore);
    const opensBefore = disk.opened.length;
    disk.heal();
    await expect.poll(() => logs.some((l) => l.msg === 'data files re-checked; accepting writes again'), { timeout: 10_000 }).toBe(true);
    // The first attempt was committed in the journal: replayed, it is there, and the retry gets it (200).
    const retry = await sendWhenHealthy(alice, 'bruno', 'journalled, not applied', 'd-1');
    expect(retry.status).toBe(200);
    expect(disk.opened.slice(opensBefore)).toEqual(expect.arrayContaining(['mensagens.txt', 'usuarios.txt', 'history_bruno.txt']));
    expect(logs.some((l) => l.msg.startsWith('a data file could not be written or synced'))).toBe(true);
    expect(logs.some((l) => l.msg === 'replayed the journal')).toBe(true);
    expect(logs.some((l) => l.msg === 'data files re-checked; accepting writes again')).toBe(true);
    expect(await historyContents(bruno, 'alice')).toEqual(['journalled, not applied']);
  });

  it.each([
    ['fsync of a data file', 'datasync', isDataFile],
    ['write of a history', 'write', (f: string) => f.endsWith('history_bruno.txt')],
  ] as const)(
    "when the checkpoint's %s fails after the 201, then the store never trusts that file: it reopens, replays, and the 201 message stays",
    async (_, op, match) => {
      const alice = await login('alice');
      const bruno = await login('bruno');
      disk.fail(op, code, match);
      // The journal is the commit point: this send is durable there, so its 201 is honest.
      const first = await alice.post('/api/messages').send({ to: 'bruno', content: 'durable in the journal', clientId: 's-1' }).expect(201);
      // Its data files failed to sync: writes are refused until the files are re-checked.
      await expect.poll(() => logs.some((l) => l.msg.startsWith('a data file could not be written or synced'))).toBe(true);
      await alice.post('/api/messages').send({ to: 'bruno', content: 'while failed' }).expect(503);
      disk.heal();
      expect((await sendWhenHealthy(alice, 'bruno', 'after recovery', 's-2')).status).toBe(201);
      expect(logs.some((l) => l.msg === 'replayed the journal')).toBe(true);
      expect(await historyContents(bruno, 'alice')).toEqual(['durable in the journal', 'after recovery']);
      expect((await historyContents(alice, 'bruno')).at(0)).toBe((first.body.message as Message).content);
    },
  );
});
