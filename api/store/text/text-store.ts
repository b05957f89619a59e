import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { Logger } from '../../logger.js';
import type { SessionRepository, Store, StreamListener, TokenKey, UserRepository } from '../store.js';
import { loadAccountFile } from './account-file.js';
import { decodeHistory } from './records.js';
import { isCanonicalUsername } from '../../names/username.js';
import { AttachmentFiles } from './attachment-files.js';
import { lockDataFolder } from './data-lock.js';
import { DATA_FILES, dataLayout } from './data-layout.js';
import { BlockListFile } from './block-list-file.js';
import { tightenDataFolder } from './file-modes.js';
import { removeUnfinishedFiles } from './unfinished-files.js';
import { isOutOfSpace, makeFolder, nodeDisk, openCreating, writeDurably, type Disk } from './disk.js';
import { DataFileWriter } from './data-file-writer.js';
import { GroupCommitter } from './group-commit.js';
import { Journal } from './journal.js';
import { prepareFormat } from './folder-format.js';
import { type LoadedFile } from './line-file.js';
import { MessageQueue } from './message-queue.js';
import { LocalSignals } from './local-signals.js';
import { ProfileFile } from './profile-file.js';
import { RateLimitFile } from './rate-limit-file.js';
import { FileSessionStore } from './session-file.js';
import { TextMessages } from './text-messages.js';
import { lockDamagedAccounts, TextUsers } from './text-users.js';
import { StateRecovery } from './state-recovery.js';
import { closeState, highestHistorySeq, type TextState } from './text-state.js';
import type { TextContext } from './text-context.js';
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

/** Compaction rewrites the whole queue: only once this many delivered entries (and half of it) would go. */
const COMPACT_QUEUE_AT = 1000;

/** A text data folder as the migration tool reads it (TextStore.copySource). */
export interface TextCopySource {
  /** Every readable account: name and password hash. */
  accounts: ReadonlyMap<string, string>;
  /** Accounts whose line is damaged (account-file.ts): a copy must not free their names. */
  locked: readonly string[];
  committedSeq: number;
  /** The oldest message not yet delivered to `username`, if any (delivery is a prefix). */
  firstUndelivered(username: string): number | undefined;
  /** Read with records.ts's decodeHistory. */
  historyFile(username: string): string;
  /** Read with session-file.ts's decodeSession. */
  sessionsFile: string;
  sessionSecretFile: string;
}

/**
 * The embedded store: plain text files in one data folder (docs/storage.md). Opening it takes the folder's
 * lock, imports an old-system folder once, cuts torn tails, replays the journal, and finds the highest
 * sequence number; after that every query is answered from memory plus positioned reads.
 */
export class TextStore implements Store {
  readonly users: UserRepository;
  readonly messages: TextMessages;
  readonly sessions: SessionRepository;
  /** One process serves a data folder: its signals never leave it. */
  readonly signals = new LocalSignals();
  private readonly listeners = new Set<StreamListener>();
  private readonly writer: DataFileWriter;
  private stateValue: TextState | undefined;
  private tokenKeyValue: (TokenKey & { created: boolean }) | undefined;
  private readonly recovery: StateRecovery;
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
    readonly blocks: BlockListFile,
  ) {
    this.scrub = new DeletedTextScrub(options.log);
    const state = () => this.state;
    const tokenKey = () => this.tokenKey;
    const context: TextContext = {
      get state() {
        return state();
      },
      history: (username) => this.history(username),
      now: () => this.now(),
      disk: this.disk,
      notify: (users) => this.notify(users),
      get tokenKey() {
        return tokenKey();
      },
      endSessionsOf: async (username) => void (await sessionStore.destroyUser(username)),
      isQueued: (seq) => this.state.queue.senderOf(seq) !== undefined,
      scrubLater: (users, seqs, queued) => this.scrubLater(users, seqs, queued),
      blocks,
    };
    this.recovery = new StateRecovery(
      () => this.load(),
      { get: () => this.stateValue, set: (state) => (this.stateValue = state) },
      options.log,
    );
    this.writer = new DataFileWriter(context);
    this.users = new TextUsers(context);
    this.messages = new TextMessages(context, epoch);
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
      const blocks = await BlockListFile.open(files.blocks, () => options.now?.() ?? new Date(), disk);
      const store = new TextStore(options, epoch, journal, unlock, sessions, rateLimits, profiles, attachments, push, blocks);
      store.report(files.blocks, blocks.loadReport);
      store.report(files.sessions, sessions.loadReport);
      store.report(files.rateLimits, rateLimits.loadReport);
      store.report(files.profiles, profiles.loadReport);
      store.report(files.pushSubscriptions, push.loadReport);
      for (const [file, err] of [
        [DATA_FILES.sessions, sessions.notCompacted],
        [DATA_FILES.rateLimits, rateLimits.notCompacted],
        [DATA_FILES.profiles, profiles.notCompacted],
        [DATA_FILES.pushSubscriptions, push.notCompacted],
        [DATA_FILES.blocks, blocks.notCompacted],
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

  /** What the migration tool copies (api/store/migrate/), read-only: the public face it reads a folder through. */
  copySource(): TextCopySource {
    const { users, locked, queue, seq, files } = this.state;
    return {
      accounts: new Map(users),
      locked: [...locked.keys()],
      committedSeq: seq.committed,
      firstUndelivered: (username) => queue.firstUndelivered(username),
      historyFile: (username) => files.history(username),
      sessionsFile: files.sessions,
      sessionSecretFile: files.sessionSecret,
    };
  }

  async close(): Promise<void> {
    if (!this.stateValue) return;
    await this.recovery.stop();
    // Read after the recovery stopped: a reload may have replaced it (the one replaced was closed by stop).
    const state = this.state;
    await state.committer.drain();
    this.stateValue = undefined;
    await closeState(state);
    await this.sessionStore.close();
    await this.rateLimits.close();
    await this.profiles.close();
    await this.attachments.close();
    await this.push.close();
    await this.blocks.close();
    await this.journal.close();
    await this.unlock();
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
          this.writer,
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
          await this.writer.apply(replay);
          await this.writer.sync(replay);
          this.log.info({ operations: replay.length }, 'replayed the journal');
        } catch (err) {
          if (!isOutOfSpace(err)) throw err;
          // `apply` indexes every operation in memory before it writes any: the reads see the whole journal.
          outOfSpace = err;
        }
      }
      await lockDamagedAccounts(state, accountFile, this.log);
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
      // A delete committed in the journal but not yet in its history files when the server died: the replay
      // appended its `del` after the history was opened (its leftovers counted without it), so its text would
      // stay in the files until the next start. Scrubbed as a live delete is (issue #18).
      for (const op of replay ?? []) {
        if (op.kind !== 'append' || !op.file.startsWith('h:') || !op.line.startsWith('del;')) continue;
        const record = decodeHistory(op.line.slice(0, -1));
        if (record.ok && record.value.kind === 'del') this.scrubLater([op.file.slice(2)], record.value.messageSeq, false);
      }
      return { state, outOfSpace };
    } catch (err) {
      // A failed load (the disk still failing) must not leak what it opened: the next attempt opens it all again.
      if (state) await closeState(state).catch(() => undefined);
      else await opened.queue.close().catch(() => undefined);
      throw err;
    }
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
    this.recovery.start();
  }

  /** The journal could not be re-applied at start for want of space: reads are served, writes wait (issue #15). */
  private waitForSpace(err: unknown): void {
    this.log.error({ err }, 'the disk is full: serving reads, refusing writes (503) until there is space to re-apply the journal');
    this.recovery.start();
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
