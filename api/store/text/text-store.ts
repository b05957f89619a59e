import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import pLimit from 'p-limit';
import type { Logger } from '../../logger.js';
import type { SessionRepository, Store, StreamListener, TokenKey, UserRepository } from '../store.js';
import { loadAccountFile, lockedAccounts, lockRecord, replaceAccountLine, type AccountFile } from './account-file.js';
import { isCanonicalUsername } from '../../names/username.js';
import { AttachmentFiles } from './attachment-files.js';
import { lockDataFolder } from './data-lock.js';
import { DATA_FILES, dataLayout, historyOwner, type DataLayout } from './data-layout.js';
import { tightenDataFolder } from './file-modes.js';
import { removeUnfinishedFiles } from './unfinished-files.js';
import { isOutOfSpace, makeFolder, nodeDisk, openCreating, settleAll, writeDurably, type Disk, type DiskFile } from './disk.js';
import { GroupCommitter, type BatchTarget } from './group-commit.js';
import { Journal, type AppendOp, type FileKey, type WriteOp } from './journal.js';
import { prepareFormat } from './folder-format.js';
import { type LoadedFile } from './line-file.js';
import { MessageQueue } from './message-queue.js';
import { LocalSignals } from './local-signals.js';
import { ProfileFile } from './profile-file.js';
import { RateLimitFile } from './rate-limit-file.js';
import { decodeHistory, decodeUser } from './records.js';
import { FileSessionStore } from './session-file.js';
import { TextMessages } from './text-messages.js';
import { TextUsers } from './text-users.js';
import { createTokenKey, readTokenKey } from './token-key-file.js';
import { PushSubscriptionsFile } from './push-subscriptions-file.js';
import { readOrCreateVapidKeys } from './vapid-key-file.js';
import { UserHistory } from './user-history.js';
import { DeletedTextScrub } from './deleted-text-scrub.js';

export interface TextStoreOptions {
  dataDir: string;
  log: Logger;
  /** Hashes the old system's plain-text passwords during the one-time import. */
  hashPassword: (plain: string) => Promise<string>;
  /** Lifetime of a session that has no cookie expiry. */
  sessionTtlMs: number;
  now?: () => Date;
  /** Opens the files the store writes; tests pass one that injects disk errors. */
  disk?: Disk;
  /** Delivered entries in mensagens.txt that make it worth compacting (default 1000; tests lower it). */
  compactQueueAt?: number;
}

/** Files a checkpoint writes and syncs at once: half of libuv's four threads, the rest left to the commits. */
const CHECKPOINT_FILES_AT_ONCE = 2;
/** How long a state replaced by a reload keeps its files open for the reads begun on it. */
const RETIRED_STATE_MS = 2000;
/** Compaction rewrites the whole queue: only once this many delivered entries (and half of it) would go. */
const COMPACT_QUEUE_AT = 1000;

/** Everything the text store keeps open; rebuilt from the files after a disk failure. */
export interface TextState {
  readonly files: DataLayout;
  readonly queue: MessageQueue;
  readonly users: Map<string, string>;
  /** Names reserved by damage, with why (account-file.ts): they exist but cannot log in until a reset. */
  readonly locked: Map<string, string>;
  usersFile: DiskFile;
  readonly histories: Map<string, Promise<UserHistory>>;
  readonly committer: GroupCommitter;
  /** Highest sequence number handed out, and highest applied to the data files. */
  seq: { assigned: number; committed: number };
}

/**
 * The embedded store: plain text files in one data folder (docs/storage.md). Opening it takes the folder's
 * lock, imports an old-system folder once, cuts torn tails, replays the journal, and finds the highest
 * sequence number; after that every query is answered from memory plus positioned reads.
 */
export class TextStore implements Store, BatchTarget {
  readonly users: UserRepository;
  readonly messages: TextMessages;
  readonly sessions: SessionRepository;
  /** One process serves a data folder: its signals never leave it. */
  readonly signals = new LocalSignals();
  private readonly listeners = new Set<StreamListener>();
  private stateValue: TextState | undefined;
  private reloading: Promise<void> | undefined;
  private tokenKeyValue: (TokenKey & { created: boolean }) | undefined;
  /** Ends the reload loop's wait early (close). */
  private wakeReload: () => void = () => undefined;
  private closing = false;
  /** States replaced by a reload, closed a moment later (`retire`). */
  private readonly retired: TextState[] = [];
  /** The text of messages deleted for everyone, on its way out of the files (issue #18). */
  private readonly scrub: DeletedTextScrub;

  private constructor(
    private readonly options: TextStoreOptions,
    readonly epoch: string,
    private readonly journal: Journal,
    private readonly unlock: () => Promise<void>,
    private readonly sessionStore: FileSessionStore,
    readonly rateLimits: RateLimitFile,
    readonly profiles: ProfileFile,
    readonly attachments: AttachmentFiles,
    readonly push: PushSubscriptionsFile,
  ) {
    this.scrub = new DeletedTextScrub(options.log);
    this.users = new TextUsers(this);
    this.messages = new TextMessages(this, epoch);
    this.sessions = {
      expressStore: sessionStore,
      generatedSecret: () => this.generatedSecret(),
      onSessionsEnded: (watcher) => sessionStore.onEnded(watcher),
      ofUser: async (username) => sessionStore.ofUser(username),
      end: (username, keys) => sessionStore.endSessions(username, keys),
    };
  }

  static async open(options: TextStoreOptions): Promise<TextStore> {
    const files = dataLayout(options.dataDir);
    const { dir } = files;
    const disk = options.disk ?? nodeDisk;
    await makeFolder(disk, dir);
    const unlock = await lockDataFolder(dir);
    try {
      await tightenDataFolder(disk, dir, options.log);
      const unfinished = await removeUnfinishedFiles(disk, dir);
      if (unfinished.length > 0) options.log.info({ files: unfinished }, 'removed files left by unfinished writes');
      const epoch = await prepareFormat(dir, options, disk);
      // Read before anything is opened: a damaged key file stops the start (token-key-file.ts).
      const keptKey = await readTokenKey(files.tokenKey);
      await makeFolder(disk, files.histories);
      const journal = await Journal.open(files.journals, disk);
      const sessions = await FileSessionStore.open(files.sessions, options.sessionTtlMs, undefined, disk);
      const rateLimits = await RateLimitFile.open(files.rateLimits, (options.now?.() ?? new Date()).getTime(), disk);
      const profiles = await ProfileFile.open(files.profiles, disk);
      const attachments = await AttachmentFiles.open(dir, disk, options.log);
      // A damaged key file stops the start (vapid-key-file.ts); a missing one is made now (issue #17).
      const vapidKeys = await readOrCreateVapidKeys(disk, files.vapidKeys);
      const push = await PushSubscriptionsFile.open(files.pushSubscriptions, vapidKeys, disk);
      const store = new TextStore(options, epoch, journal, unlock, sessions, rateLimits, profiles, attachments, push);
      store.report(files.sessions, sessions.loadReport);
      store.report(files.rateLimits, rateLimits.loadReport);
      store.report(files.profiles, profiles.loadReport);
      store.report(files.pushSubscriptions, push.loadReport);
      for (const [file, err] of [
        [DATA_FILES.sessions, sessions.notCompacted],
        [DATA_FILES.rateLimits, rateLimits.notCompacted],
        [DATA_FILES.profiles, profiles.notCompacted],
        [DATA_FILES.pushSubscriptions, push.notCompacted],
      ] as const) {
        if (err !== undefined) options.log.warn({ file, err }, 'not rewritten with its live records only: the disk is full');
      }
      const { state, outOfSpace } = await store.load();
      store.stateValue = state;
      // A new key is made once the highest sequence number is known: ids up to it may be out there as numbers.
      // It is a write: a folder without one does not start on a full disk (issue #15, item 12).
      store.tokenKeyValue = keptKey
        ? { ...keptKey, created: false }
        : {
            ...(await createTokenKey(disk, files.tokenKey, state.seq.committed).catch(async (err: unknown) => {
              await closeState(state).catch(() => undefined);
              throw err;
            })),
            created: true,
          };
      if (outOfSpace !== undefined) store.waitForSpace(outOfSpace);
      return store;
    } catch (err) {
      await unlock();
      throw err;
    }
  }

  get state(): TextState {
    if (!this.stateValue) throw new Error('text store is closed');
    return this.stateValue;
  }

  get tokenKey(): TokenKey & { created: boolean } {
    if (!this.tokenKeyValue) throw new Error('text store is not open');
    return this.tokenKeyValue;
  }

  get log(): Logger {
    return this.options.log;
  }

  private get disk(): Disk {
    return this.options.disk ?? nodeDisk;
  }

  now(): Date {
    return this.options.now?.() ?? new Date();
  }

  onStreamAppended(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(users: readonly string[]): void {
    for (const listener of this.listeners) listener(users);
  }

  /** The history of a user, loaded on first use and kept indexed in memory. */
  history(username: string): Promise<UserHistory> {
    if (!isCanonicalUsername(username)) throw new Error(`not a canonical username: ${JSON.stringify(username)}`);
    const { histories, files } = this.state;
    let h = histories.get(username);
    if (!h) {
      h = UserHistory.open(username, files.history(username), this.disk).then(({ history, tornBytes, damage }) => {
        this.report(history.path, { tornBytes, damage });
        if (history.leftovers.length > 0) this.scrubLater([username], history.leftovers, false);
        return history;
      });
      histories.set(username, h);
      h.catch(() => histories.delete(username));
    }
    return h;
  }

  /**
   * Applies a committed batch: the in-memory indexes first, then one write each to the queue (its appends and
   * the delivered flags set in them together) and to usuarios.txt. The histories keep their lines in memory
   * for the checkpoint to write (UserHistory.append).
   */
  async apply(ops: readonly WriteOp[]): Promise<void> {
    const { queue } = this.state;
    const byFile = new Map<FileKey, AppendOp[]>();
    for (const op of ops) {
      if (op.kind !== 'append') continue;
      const list = byFile.get(op.file) ?? [];
      list.push(op);
      byFile.set(op.file, list);
    }
    const written: Promise<void>[] = [];
    for (const [file, appends] of byFile) {
      if (file === 'u') written.push(this.appendUsers(appends.map((op) => op.line)));
      // A history is written at the checkpoint (see UserHistory.append): the journal already holds these lines.
      else if (file !== 'q') (await this.history(file.slice(2))).append(appends);
    }
    queue.append(byFile.get('q') ?? []);
    for (const op of ops) if (op.kind === 'flip') queue.markDelivered(op.seq);
    written.push(queue.flush());
    await settleAll(written);
  }

  /**
   * Writes what is not written yet and fdatasyncs every data file the operations touched, a few files at a
   * time: a checkpoint runs beside the commits, and a thousand histories synced at once would fill Node's
   * four file-system threads and queue the journal's fsync behind them (issue #4).
   */
  async sync(ops: readonly WriteOp[]): Promise<void> {
    const files = new Set<FileKey>(ops.map((op) => (op.kind === 'append' ? op.file : 'q')));
    const limit = pLimit(CHECKPOINT_FILES_AT_ONCE);
    await settleAll(
      [...files].map((file) =>
        limit(async () => {
          if (file === 'q') await this.state.queue.sync();
          else if (file === 'u') await this.state.usersFile.datasync();
          else await (await this.history(file.slice(2))).sync();
        }),
      ),
    );
  }

  async close(): Promise<void> {
    const state = this.stateValue;
    if (!state) return;
    // A disk that stays full must not keep the server from stopping.
    this.closing = true;
    this.wakeReload();
    await this.reloading;
    await state.committer.drain();
    this.stateValue = undefined;
    await closeState(state);
    for (const old of this.retired.splice(0)) await closeState(old).catch(() => undefined);
    await this.sessionStore.close();
    await this.rateLimits.close();
    await this.profiles.close();
    await this.attachments.close();
    await this.push.close();
    await this.journal.close();
    await this.unlock();
  }

  private async appendUsers(lines: readonly string[]): Promise<void> {
    const { users, usersFile } = this.state;
    let data = '';
    for (const line of lines) {
      const d = decodeUser(line.slice(0, -1));
      if (!d.ok || users.has(d.value.username)) continue; // a journal replay of a user already there
      users.set(d.value.username, d.value.passwordHash);
      data += line;
    }
    if (data !== '') await usersFile.write(data);
  }

  /**
   * Builds the in-memory state from the files: also the way back after a disk failure. A journal that cannot
   * be re-applied for want of space (a full disk) still leaves a state that answers every read, the replayed
   * batches included: `outOfSpace` then says why it takes no writes yet (issue #15).
   */
  private async load(): Promise<{ state: TextState; outOfSpace?: unknown }> {
    const files = dataLayout(this.options.dataDir);
    const usersPath = files.users;
    const accountFile = await loadAccountFile(usersPath, this.disk);
    this.report(usersPath, accountFile.loaded);
    const opened = await MessageQueue.open(files.queue, this.disk);
    this.report(opened.queue.file, opened);
    let state: TextState | undefined;
    try {
      state = {
        files,
        queue: opened.queue,
        users: accountFile.accounts,
        locked: new Map(),
        usersFile: await openCreating(this.disk, usersPath, 'a'),
        histories: new Map(),
        committer: new GroupCommitter(
          this.journal,
          this,
          (err) => this.onDiskFailure(err),
          () => this.maintain(),
        ),
        // A reload keeps the positions already handed out: a poll during it must not see its cursor as unknown.
        seq: { ...(this.stateValue?.seq ?? { assigned: 0, committed: 0 }) },
      };
      // Published before the replay (apply and history need it), but writing nothing until the sequence numbers
      // are known: a send in this window would reuse a number the files already hold and be skipped (issue #6).
      state.committer.suspend(new Error('the data files are being loaded'));
      this.stateValue = state;
      const replay = await this.journal.read();
      let outOfSpace: unknown;
      if (replay && replay.length > 0) {
        try {
          await this.apply(replay);
          await this.sync(replay);
          this.log.info({ operations: replay.length }, 'replayed the journal');
        } catch (err) {
          if (!isOutOfSpace(err)) throw err;
          // `apply` indexes every operation in memory before it writes any: the reads see the whole journal.
          outOfSpace = err;
        }
      }
      await this.lockDamagedAccounts(state, accountFile);
      if (outOfSpace === undefined && state.queue.stats.delivered > 0) await this.compactQueue(state.queue);
      let highest = Math.max(state.queue.maxSeq, await highestHistorySeq(files, (u) => this.history(u)));
      // Histories hold replayed records in memory that a full disk kept out of their files.
      for (const h of state.histories.values()) highest = Math.max(highest, (await h).lastSeq);
      state.seq = { assigned: Math.max(highest, state.seq.assigned), committed: Math.max(highest, state.seq.committed) };
      // A server killed between creating a file and fsyncing its folder (openCreating) left a name that only
      // the page cache holds, and it exists now: fsynced here before the journal can move past it (issue #15).
      await this.disk.syncFolder(files.dir);
      await this.disk.syncFolder(files.histories);
      if (outOfSpace === undefined) state.committer.recovered();
      else state.committer.suspend(outOfSpace);
      return { state, outOfSpace };
    } catch (err) {
      // A failed load (the disk still failing) must not leak what it opened: the next attempt opens it all again.
      if (state) await closeState(state).catch(() => undefined);
      else await opened.queue.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Reserves the names damage would otherwise free (account-file.ts), once the journal had its chance to
   * restore their lines, and says so in the log: an operator must run reset-password for each.
   */
  private async lockDamagedAccounts(state: TextState, file: AccountFile): Promise<void> {
    const { locked, marks } = await lockedAccounts(state.files.dir, file, state.users);
    if (marks.length > 0) {
      try {
        await state.usersFile.write(marks.map(lockRecord).join(''));
        await state.usersFile.datasync();
      } catch (err) {
        // A full disk (item 12) must not keep the server down. The names stay locked while it runs; after a
        // restart only a history file keeps reserving them, so the log says which they are.
        if (!isOutOfSpace(err)) throw err;
        this.log.error({ names: marks, err }, 'no room to write the lock records of damaged account lines: reset their passwords');
      }
    }
    for (const [username, reason] of locked) {
      state.locked.set(username, reason);
      this.log.error(
        { file: state.files.users, username, reason },
        'account locked: its name stays reserved, and it cannot log in until an operator runs npm run reset-password',
      );
    }
  }

  /**
   * `npm run reset-password` on the text store (run with the server stopped: the folder lock sees to it):
   * rewrites usuarios.txt whole, without that name's damaged lines or lock records and with one new line,
   * then ends the user's sessions. False when the name is no account.
   */
  async resetAccount(username: string, passwordHash: string): Promise<boolean> {
    const state = this.state;
    if (!state.users.has(username) && !state.locked.has(username)) return false;
    await state.committer.drain();
    state.committer.suspend(new Error('an account is being rewritten'));
    try {
      const file = state.files.users;
      await state.usersFile.close();
      await replaceAccountLine(this.disk, file, username, passwordHash);
      state.usersFile = await this.disk.open(file, 'a');
      state.users.set(username, passwordHash);
      state.locked.delete(username);
    } finally {
      state.committer.recovered();
    }
    await this.sessionStore.destroyUser(username);
    return true;
  }

  isQueued(seq: number): boolean {
    return this.state.queue.senderOf(seq) !== undefined;
  }

  /**
   * Message `seq`s were deleted for everyone: their text leaves these users' histories (and the queue, when
   * it is `queued` there) and then the journal, at the next quiet points (deleted-text-scrub.ts).
   */
  scrubLater(users: readonly string[], seqs: number | readonly number[], queued: boolean): void {
    for (const seq of typeof seqs === 'number' ? [seqs] : seqs) this.scrub.add(users, seq, queued);
    this.stateValue?.committer.requestMaintenance();
  }

  /**
   * Runs between batches: takes the text of deleted messages away, and compacts the queue once delivered
   * entries make up most of it.
   */
  private async maintain(): Promise<void> {
    const { queue, committer } = this.state;
    if (this.scrub.due) {
      await this.scrub.run(
        (user) => this.history(user),
        () => this.compactQueue(queue),
        (ops) => committer.submit(ops, () => undefined),
      );
    }
    const { total, delivered } = queue.stats;
    if (delivered >= (this.options.compactQueueAt ?? COMPACT_QUEUE_AT) && delivered * 2 >= total) await this.compactQueue(queue);
  }

  /**
   * Compaction only saves space and start-up time: on a full disk the queue stays as it is (whole: the
   * compaction writes a new file and renames it) and the writes go on (issue #15).
   */
  private async compactQueue(queue: MessageQueue): Promise<void> {
    const { total } = queue.stats;
    try {
      const removed = await queue.compact();
      this.log.info({ removed, kept: total - removed }, 'compacted mensagens.txt');
    } catch (err) {
      if (!isOutOfSpace(err)) throw err;
      this.log.warn({ err }, 'mensagens.txt not compacted: the disk is full');
    }
  }

  private onDiskFailure(err: unknown): void {
    this.log.error({ err }, 'a data file could not be written or synced; refusing writes until the files are re-checked');
    this.startReloading();
  }

  /** The journal could not be re-applied at start for want of space: reads are served, writes wait (issue #15). */
  private waitForSpace(err: unknown): void {
    this.log.error({ err }, 'the disk is full: serving reads, refusing writes (503) until there is space to re-apply the journal');
    this.startReloading();
  }

  private startReloading(): void {
    this.reloading ??= this.reloadUntilHealthy().finally(() => {
      this.reloading = undefined;
    });
  }

  /**
   * After a failed write or fsync, trust nothing in memory: reopen every file and replay the journal, until
   * that works and leaves nothing unwritten. The state in use keeps answering reads meanwhile: it is replaced
   * only by a newer one (a full disk gives one that reads but takes no writes) and closed a moment later, once
   * reads begun on it have ended (issue #15).
   */
  private async reloadUntilHealthy(): Promise<void> {
    for (let delay = 200; !this.closing; delay = Math.min(delay * 2, 5000)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeReload = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      const old = this.stateValue;
      if (!old || this.closing) return;
      try {
        const { state, outOfSpace } = await this.load();
        this.stateValue = state;
        this.retire(old);
        if (outOfSpace === undefined) {
          this.log.info('data files re-checked; accepting writes again');
          return;
        }
        this.log.warn({ err: outOfSpace }, 'the disk is still full; refusing writes');
      } catch (err) {
        this.stateValue = old;
        this.log.warn({ err }, 'data folder still failing');
      }
    }
  }

  /** Closes a replaced state once the reads begun on it had time to end (its files are open until then). */
  private retire(old: TextState): void {
    this.retired.push(old);
    setTimeout(() => {
      const i = this.retired.indexOf(old);
      if (i < 0) return; // closed by close()
      this.retired.splice(i, 1);
      void closeState(old).catch(() => undefined);
    }, RETIRED_STATE_MS).unref();
  }

  private report(file: string, loaded: Pick<LoadedFile<unknown>, 'tornBytes' | 'damage'>): void {
    if (loaded.tornBytes > 0) this.log.warn({ file, droppedBytes: loaded.tornBytes }, 'dropped a torn tail (an unfinished write)');
    for (const d of loaded.damage) this.log.error({ file: d.file, line: d.line, reason: d.reason }, 'damaged record skipped');
  }

  private async generatedSecret(): Promise<{ secret: string; created: boolean }> {
    const file = this.state.files.sessionSecret;
    const existing = (await fsp.readFile(file, 'utf8').catch(() => '')).trim();
    if (existing.length >= 32) return { secret: existing, created: false };
    const secret = randomBytes(32).toString('base64url');
    await writeDurably(this.disk, file, `${secret}\n`);
    return { secret, created: true };
  }
}

async function closeState(state: TextState): Promise<void> {
  await state.queue.close();
  await state.usersFile.close();
  for (const h of state.histories.values()) await (await h).close();
}

/** The highest sequence number in any history: read from each file's last records, not the whole file. */
async function highestHistorySeq(files: DataLayout, loadFully: (user: string) => Promise<UserHistory>): Promise<number> {
  let highest = 0;
  for (const name of await fsp.readdir(files.histories)) {
    const owner = historyOwner(name);
    if (owner === undefined) continue;
    const file = files.history(owner);
    const handle = await fsp.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, size - length);
      // Records are in sequence order: the last one that decodes holds the file's highest number.
      const lines = buf.toString('utf8').split('\n');
      let found = 0;
      for (let i = lines.length - 1; i >= 0 && found === 0; i--) {
        const d = decodeHistory(lines[i] ?? '');
        if (d.ok) found = d.value.seq;
      }
      // Nothing readable near the end (a long torn tail): load it whole, which also repairs it.
      if (found === 0 && size > 0) found = (await loadFully(owner)).lastSeq;
      highest = Math.max(highest, found);
    } finally {
      await handle.close();
    }
  }
  return highest;
}
