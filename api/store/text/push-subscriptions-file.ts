import { StoreUnavailableError } from '../../errors.js';
import type { PushRepository, StoredPushSubscription } from '../store.js';
import type { VapidKeys } from '../vapid-keys.js';
import { decodeRecord, encodeRecord } from './codec.js';
import { nodeDisk, type Disk } from './disk.js';
import { loadRecordFile, type LoadedFile } from './line-file.js';
import { RecordAppends, rewriteWithLiveRecords } from './record-appends.js';
import type { Decoded } from './records.js';

type PushRecord = { kind: 'add'; sub: StoredPushSubscription } | { kind: 'remove'; sessionKey: string };

/**
 * The devices' Web Push subscriptions on the data folder (`push-subscriptions.txt`, issue #17). They live in
 * memory; every change appends a record, fdatasynced before it is acknowledged (the last record of a session
 * wins):
 *
 *   s;<session key>;<username>;<endpoint>;<p256dh>;<auth>;<createdAt>;crc    a subscription
 *   x;<session key>;crc                                                      none any more
 *
 * At open the file is rewritten with the live subscriptions only. A torn tail or a damaged line is dropped
 * (reported): that device gets no push until the app registers again, which it does at every start.
 */
export class PushSubscriptionsFile implements PushRepository {
  private readonly bySession = new Map<string, StoredPushSubscription>();
  private writing: Promise<unknown> = Promise.resolve();
  loadReport: Pick<LoadedFile<unknown>, 'tornBytes' | 'damage'> = { tornBytes: 0, damage: [] };
  notCompacted: unknown;

  private constructor(
    private readonly appends: RecordAppends,
    private readonly keys: VapidKeys & { created: boolean },
  ) {}

  static async open(file: string, keys: VapidKeys & { created: boolean }, disk: Disk = nodeDisk): Promise<PushSubscriptionsFile> {
    const loaded = await loadRecordFile(file, decodePushRecord, disk);
    const live = new Map<string, StoredPushSubscription>();
    for (const { value } of loaded.records) {
      if (value.kind === 'add') live.set(value.sub.sessionKey, value.sub);
      else live.delete(value.sessionKey);
    }
    const notCompacted = await rewriteWithLiveRecords(disk, file, [...live.values()].map(encodeSubscription).join(''));
    const subs = new PushSubscriptionsFile(await RecordAppends.open(disk, file), keys);
    for (const [key, sub] of live) subs.bySession.set(key, sub);
    subs.loadReport = { tornBytes: loaded.tornBytes, damage: loaded.damage };
    subs.notCompacted = notCompacted;
    return subs;
  }

  vapidKeys(): Promise<VapidKeys & { created: boolean }> {
    return Promise.resolve(this.keys);
  }

  async save(sub: StoredPushSubscription, limitPerUser: number): Promise<'saved' | 'limit'> {
    return this.serially(async () => {
      const replaced = [...this.bySession.values()].filter((s) => s.sessionKey !== sub.sessionKey && s.endpoint === sub.endpoint);
      const others = [...this.bySession.values()].filter(
        (s) => s.username === sub.username && s.sessionKey !== sub.sessionKey && s.endpoint !== sub.endpoint,
      );
      if (others.length >= limitPerUser) return 'limit';
      await this.append([...replaced.map((s) => encodeRemoval(s.sessionKey)), encodeSubscription(sub)].join(''));
      for (const s of replaced) this.bySession.delete(s.sessionKey);
      this.bySession.set(sub.sessionKey, sub);
      return 'saved';
    });
  }

  removeSessions(keys: readonly string[]): Promise<number> {
    return this.serially(async () => {
      const present = keys.filter((k) => this.bySession.has(k));
      if (present.length === 0) return 0;
      await this.append(present.map(encodeRemoval).join(''));
      for (const k of present) this.bySession.delete(k);
      return present.length;
    });
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    const keys = [...this.bySession.values()].filter((s) => s.endpoint === endpoint).map((s) => s.sessionKey);
    await this.removeSessions(keys);
  }

  /**
   * Every subscription of `username` goes (their account is deleted, issue #17): the file is rewritten with
   * the others only (new file, fsync, rename, fsync of the folder), durably before it resolves.
   */
  forgetUser(username: string): Promise<void> {
    return this.serially(async () => {
      const kept = [...this.bySession.values()].filter((s) => s.username !== username);
      if (kept.length === this.bySession.size) return;
      await this.appends.replaceAll(kept.map(encodeSubscription).join('')).catch((err: unknown) => {
        throw new StoreUnavailableError('the push subscriptions could not be written; retry in a few seconds', err);
      });
      for (const s of [...this.bySession.values()]) if (s.username === username) this.bySession.delete(s.sessionKey);
    });
  }

  forUser(username: string): Promise<StoredPushSubscription[]> {
    return Promise.resolve([...this.bySession.values()].filter((s) => s.username === username));
  }

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.appends.close();
  }

  /** One change at a time: the limit is checked and the lines written without another change in between. */
  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.writing.catch(() => undefined).then(change);
    this.writing = run;
    return run;
  }

  /** Appends and fdatasyncs; a failed write is cut off the file and answered 503, the memory unchanged. */
  private async append(data: string): Promise<void> {
    await this.appends.appendSynced(data).catch((err: unknown) => {
      throw new StoreUnavailableError('the push subscription could not be written; retry in a few seconds', err);
    });
  }
}

export function encodeSubscription(s: StoredPushSubscription): string {
  return encodeRecord(['s', s.sessionKey, s.username, s.endpoint, s.p256dh, s.auth, s.createdAt]);
}

function encodeRemoval(sessionKey: string): string {
  return encodeRecord(['x', sessionKey]);
}

function decodePushRecord(line: string): Decoded<PushRecord> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const [kind, sessionKey, username, endpoint, p256dh, auth, createdAt] = r.fields;
  if (kind === 'x' && sessionKey && r.fields.length === 2) return { ok: true, value: { kind: 'remove', sessionKey } };
  if (kind === 's' && r.fields.length === 7 && sessionKey && username && endpoint && p256dh && auth && createdAt) {
    return { ok: true, value: { kind: 'add', sub: { sessionKey, username, endpoint, p256dh, auth, createdAt } } };
  }
  return { ok: false, reason: 'not a push subscription record' };
}
