import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import supertest from 'supertest';
import { createAccounts } from '../../../api/accounts/accounts.js';
import { createDeviceTokens } from '../../../api/accounts/device-token.js';
import { createLoginLimits } from '../../../api/accounts/login-limits.js';
import { createPasswordHasher, type PasswordHasher } from '../../../api/accounts/password-hasher.js';
import { createApp } from '../../../api/app.js';
import type { Message, PollResponse } from '../../../api/contract.js';
import { SESSION_COOKIE } from '../../../api/http/session.js';
import { createLogger } from '../../../api/logger.js';
import { LongPollHub } from '../../../api/messaging/long-poll.js';
import { createMessaging } from '../../../api/messaging/messaging.js';
import { PresenceTracker } from '../../../api/profiles/presence.js';
import { createProfiles } from '../../../api/profiles/profiles.js';
import { TextStore } from '../../../api/store/text/text-store.js';
import { SPEC_PATH } from '../../support/contract.js';
import { TEST_SECRET } from '../../support/server.js';
import { PASSWORD } from '../../support/users.js';
import type { PowerLossDisk } from './power-loss-disk.js';

/**
 * The workload of the power-loss test (issue #15): a real Papo app over a text store whose Disk records
 * everything, driven through HTTP by a seeded sequence of sends (alone and in bursts, so batches group),
 * polls that acknowledge, read marks, sign-ups (new history files), logins and logouts (sessions.txt),
 * failed logins (limites.txt), blocks and unblocks (bloqueios.txt, issue #17), pauses (idle checkpoints, journal
 * rotation, queue compaction) and a restart.
 * Every answer that promises durability is marked in the Disk's journal right after it arrived: that is
 * what a power loss after that point must keep.
 */
export type Promise201 =
  | { type: 'account'; user: string }
  | { type: 'session'; sid: string; user: string }
  /** A logout was asked for: from here on, its session may be gone (the answer is not there yet). */
  | { type: 'logging-out'; sid: string }
  | { type: 'logout'; sid: string }
  | { type: 'sent'; message: Message }
  /** A poll carrying a cursor was answered: everything the device had received up to it is delivered. */
  | { type: 'delivered'; user: string; ids: string[] }
  /** A poll answer handed out this cursor to a device that had received `seen` up to it. */
  | { type: 'cursor'; sid: string; user: string; cursor: string; seen: string[] }
  | { type: 'read'; user: string; peer: string; upTo: string }
  /** A block or unblock was asked for (issue #17): from here on, either state may be on disk. */
  | { type: 'blocking'; blocker: string; blocked: string }
  | { type: 'block'; blocker: string; blocked: string; on: boolean };

interface Device {
  user: string;
  cookie: string;
  sid: string;
  cursor: string | undefined;
  /** Messages this device got in poll answers, in order. */
  received: Message[];
}

export interface WorkloadSettings {
  steps: number;
  random: () => number;
  /** Where the data folder goes, under the Disk's root. */
  dataDir: string;
}

/** The account the workload's users block and unblock. */
const WALL = 'muro';

const CONTENTS = ['oi', 'tudo bem?', 'a; b; c', 'linha\nnova', 'barra \\ e ; juntos', 'ação 🎉 עברית', 'x'.repeat(300)];

export class Workload {
  private store!: TextStore;
  private server!: Server;
  private hasher!: PasswordHasher;
  private url = '';
  private readonly users: string[] = [];
  private readonly devices: Device[] = [];
  private sent = 0;

  constructor(
    private readonly disk: PowerLossDisk,
    private readonly settings: WorkloadSettings,
  ) {}

  async run(): Promise<void> {
    await this.start();
    try {
      for (const user of ['ana', 'beto', 'caio']) await this.signUp(user);
      // Blocked and unblocked by the others (bloqueios.txt), never a sender nor a recipient: a block withholds
      // messages, which the checks of what was sent do not model.
      await this.logInAs(WALL, 201);
      this.devices.pop();
      for (let step = 0; step < this.settings.steps; step++) {
        if (step === Math.floor(this.settings.steps / 2)) await this.restart();
        await this.step();
      }
    } finally {
      await this.stop();
    }
  }

  private pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.settings.random() * items.length)];
    if (item === undefined) throw new Error('nothing to pick from');
    return item;
  }

  private async step(): Promise<void> {
    const r = this.settings.random();
    if (r < 0.35) await this.send(this.pick(this.devices));
    else if (r < 0.43) await Promise.all(Array.from({ length: 5 }, () => this.send(this.pick(this.devices))));
    else if (r < 0.65) await this.poll(this.pick(this.devices));
    else if (r < 0.73) await this.markRead(this.pick(this.devices));
    else if (r < 0.77 && this.users.length < 8) await this.signUp(`user${this.users.length}`);
    else if (r < 0.81) await this.logIn(this.pick(this.users));
    else if (r < 0.84) await this.logOut();
    else if (r < 0.87) await this.failLogin(this.pick(this.users));
    else if (r < 0.91) await this.toggleBlock(this.pick(this.users));
    else await new Promise((resolve) => setTimeout(resolve, 55 + this.settings.random() * 40));
  }

  private async start(): Promise<void> {
    this.store = await TextStore.open({
      dataDir: this.settings.dataDir,
      log: createLogger({ level: 'warn' }),
      hashPassword: async (p) => p,
      sessionTtlMs: 86_400_000,
      disk: this.disk,
      compactQueueAt: 10,
    });
    this.hasher = createPasswordHasher(4);
    const hub = new LongPollHub({ perUser: 5, total: 100 });
    const limits = createLoginLimits(this.store.rateLimits, {
      failuresPerUsername: 1000,
      failuresPerDevice: 1000,
      failuresPerAddress: 1000,
      loginWindowMs: 3_600_000,
      signupsPerAddress: 1000,
      signupWindowMs: 3_600_000,
    });
    const app = createApp({
      store: this.store,
      accounts: createAccounts(this.store.users, this.hasher, createDeviceTokens([TEST_SECRET]), limits),
      profiles: createProfiles(this.store, new PresenceTracker(this.store, (user) => hub.isHolding(user), this.store.log)),
      messaging: createMessaging(this.store, hub, await this.store.messages.tokenKey()),
      log: this.store.log,
      sessionSecrets: [TEST_SECRET],
      sessionIdleDays: 30,
      sessionMaxDays: 365,
      trustProxy: false,
      specPath: SPEC_PATH,
      isStopping: () => false,
    });
    this.server = createServer(app).listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server.once('listening', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    await this.store.close();
    await this.hasher.close();
  }

  /** A clean stop and start on the same folder: the start rewrites sessions.txt and limites.txt and compacts. */
  private async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async logInAs(user: string, expected: number): Promise<void> {
    const res = await supertest(this.url).post('/api/session').send({ username: user, password: PASSWORD });
    if (res.status !== expected) throw new Error(`login of ${user}: ${res.status} ${res.text}`);
    const cookie = (res.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    if (!cookie) throw new Error('no session cookie');
    const pair = cookie.split(';')[0] ?? '';
    const signed = decodeURIComponent(pair.slice(SESSION_COOKIE.length + 1));
    const sid = signed.slice(2, signed.lastIndexOf('.'));
    if (expected === 201) this.mark({ type: 'account', user });
    this.mark({ type: 'session', sid, user });
    this.devices.push({ user, cookie: pair, sid, cursor: undefined, received: [] });
  }

  private async signUp(user: string): Promise<void> {
    await this.logInAs(user, 201);
    this.users.push(user);
  }

  private logIn(user: string): Promise<void> {
    return this.logInAs(user, 200);
  }

  private async logOut(): Promise<void> {
    // Every user keeps a device: the checks after a cut poll with one.
    const candidates = this.devices.filter((d) => this.devices.some((o) => o !== d && o.user === d.user));
    if (candidates.length === 0) return;
    const device = this.pick(candidates);
    this.mark({ type: 'logging-out', sid: device.sid });
    const res = await supertest(this.url).delete('/api/session').set('Cookie', device.cookie);
    if (res.status !== 204) throw new Error(`logout: ${res.status} ${res.text}`);
    this.mark({ type: 'logout', sid: device.sid });
    this.devices.splice(this.devices.indexOf(device), 1);
  }

  private async failLogin(user: string): Promise<void> {
    const res = await supertest(this.url).post('/api/session').send({ username: user, password: 'not the password at all' });
    if (res.status !== 401) throw new Error(`failed login: ${res.status} ${res.text}`);
  }

  private async send(device: Device): Promise<void> {
    const to = this.pick(this.users.filter((u) => u !== device.user));
    const n = ++this.sent;
    const content = `${n}: ${this.pick(CONTENTS)}`;
    const clientId = this.settings.random() < 0.7 ? `c-${n}` : undefined;
    const res = await supertest(this.url)
      .post('/api/messages')
      .set('Cookie', device.cookie)
      .send({ to, content, ...(clientId === undefined ? {} : { clientId }) });
    if (res.status !== 201) throw new Error(`send: ${res.status} ${res.text}`);
    this.mark({ type: 'sent', message: (res.body as { message: Message }).message });
  }

  private async poll(device: Device): Promise<void> {
    const query = device.cursor === undefined ? 'wait=0' : `wait=0&after=${encodeURIComponent(device.cursor)}`;
    const res = await supertest(this.url).get(`/api/messages?${query}`).set('Cookie', device.cookie);
    if (res.status !== 200) throw new Error(`poll: ${res.status} ${res.text}`);
    if (device.cursor !== undefined) this.mark({ type: 'delivered', user: device.user, ids: device.received.map((m) => m.id) });
    const body = res.body as PollResponse;
    for (const e of body.events) if (e.type === 'message' && e.message.to === device.user) device.received.push(e.message);
    device.cursor = body.cursor;
    this.mark({ type: 'cursor', sid: device.sid, user: device.user, cursor: body.cursor, seen: device.received.map((m) => m.id) });
  }

  private async markRead(device: Device): Promise<void> {
    const last = device.received.at(-1 - Math.floor(this.settings.random() * 3));
    if (!last) return;
    const res = await supertest(this.url).post('/api/messages/read').set('Cookie', device.cookie).send({ with: last.from, upTo: last.id });
    if (res.status !== 204) throw new Error(`read: ${res.status} ${res.text}`);
    this.mark({ type: 'read', user: device.user, peer: last.from, upTo: last.id });
  }

  private readonly blocked = new Set<string>();

  private async toggleBlock(blocker: string): Promise<void> {
    const device = this.devices.find((d) => d.user === blocker);
    if (!device) return;
    const on = !this.blocked.has(blocker);
    this.mark({ type: 'blocking', blocker, blocked: WALL });
    const res = await supertest(this.url)[on ? 'put' : 'delete'](`/api/account/blocks/${WALL}`).set('Cookie', device.cookie);
    if (res.status !== 204) throw new Error(`${on ? 'block' : 'unblock'}: ${res.status} ${res.text}`);
    this.mark({ type: 'block', blocker, blocked: WALL, on });
    if (on) this.blocked.add(blocker);
    else this.blocked.delete(blocker);
  }

  private mark(event: Promise201): void {
    this.disk.mark(event);
  }
}

/** The data folder's path under the Disk's root. */
export const dataDirOf = (root: string) => path.join(root, 'data');
