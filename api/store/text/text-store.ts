import type { Logger } from '../../logger.js';
import type { AccountDeletion, SessionRepository, Store, TokenKey } from '../store.js';
import { TextAccountDeletion } from './account-deletion.js';
import { isCanonicalUsername } from '../../names/username.js';
import { lockDataFolder } from './data-lock.js';
import { dataLayout } from './data-layout.js';
import { makeFolder, nodeDisk, type Disk } from './disk.js';
import { DataFileWriter } from './data-file-writer.js';
import type { Journal } from './journal.js';
import { reportLoad } from './line-file.js';
import { LocalSignals } from './local-signals.js';
import { closeSideFiles, type SideFiles } from './side-files.js';
import { TextMessages } from './text-messages.js';
import { textSessions } from './text-sessions.js';
import { TextUsers } from './text-users.js';
import { StateRecovery } from './state-recovery.js';
import { closeState, type TextState } from './text-state.js';
import type { TextContext } from './text-context.js';
import { prepareDataFolder, tokenKeyAtStart } from './text-store-start.js';
import { UserHistory } from './user-history.js';
import { COMPACT_QUEUE_AT, TextMaintenance } from './text-maintenance.js';
import { copySourceOf, type TextCopySource } from './text-copy-source.js';
import { loadTextState, type LoadedState } from './text-state-load.js';

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

/**
 * The embedded store: plain text files in one data folder (docs/storage.md). Opening it takes the folder's
 * lock, imports an old-system folder once (text-store-start.ts), cuts torn tails, replays the journal, and
 * finds the highest sequence number (text-state-load.ts); after that every query is answered from memory plus
 * positioned reads. A failed write hands the state to state-recovery.ts until the files are re-checked.
 */
export class TextStore implements Store {
  readonly users: TextUsers;
  readonly messages: TextMessages;
  readonly sessions: SessionRepository;
  /** One process serves a data folder: its signals never leave it. */
  readonly signals = new LocalSignals();
  private readonly writer: DataFileWriter;
  private stateValue: TextState | undefined;
  private tokenKeyValue: (TokenKey & { created: boolean }) | undefined;
  private readonly recovery: StateRecovery;
  private readonly maintenance: TextMaintenance;
  private readonly deletion: TextAccountDeletion;
  readonly rateLimits: SideFiles['rateLimits'];
  readonly profiles: SideFiles['profiles'];
  readonly attachments: SideFiles['attachments'];
  readonly push: SideFiles['push'];
  readonly blocks: SideFiles['blocks'];

  private constructor(
    private readonly options: TextStoreOptions,
    readonly epoch: string,
    private readonly journal: Journal,
    private readonly unlock: () => Promise<void>,
    private readonly side: SideFiles,
  ) {
    const { sessions: sessionStore, blocks } = side;
    this.rateLimits = side.rateLimits;
    this.profiles = side.profiles;
    this.attachments = side.attachments;
    this.push = side.push;
    this.blocks = blocks;
    this.maintenance = new TextMaintenance(options.log, options.compactQueueAt ?? COMPACT_QUEUE_AT, () =>
      this.stateValue?.committer.requestMaintenance(),
    );
    const state = () => this.state;
    const tokenKey = () => this.tokenKey;
    const context: TextContext = {
      get state() {
        return state();
      },
      history: (username) => this.history(username),
      now: () => this.now(),
      disk: this.disk,
      get tokenKey() {
        return tokenKey();
      },
      endSessionsOf: async (username) => void (await sessionStore.destroyUser(username)),
      isQueued: (seq) => this.state.queue.senderOf(seq) !== undefined,
      scrubLater: (users, seqs, queued) => this.maintenance.scrubLater(users, seqs, queued),
      scrubEditLater: (users, seqs) => this.maintenance.scrubEditLater(users, seqs),
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
    this.deletion = new TextAccountDeletion({
      ...side,
      context,
      users: this.users,
      messages: this.messages,
      wipeJournal: () => this.maintenance.wipeJournal(),
      log: options.log,
    });
    this.sessions = textSessions(sessionStore, () => this.state.files.sessionSecret, this.disk);
  }

  static async open(options: TextStoreOptions): Promise<TextStore> {
    const files = dataLayout(options.dataDir);
    const disk = options.disk ?? nodeDisk;
    await makeFolder(disk, files.dir);
    const unlock = await lockDataFolder(files.dir);
    try {
      const { epoch, journal, side, keptKey } = await prepareDataFolder(files, options, disk);
      const store = new TextStore(options, epoch, journal, unlock, side);
      store.attachments.whenFinishingRemovals((uploaders) => store.findLeftDeletes(uploaders));
      const { state, outOfSpace } = await store.load();
      store.stateValue = state;
      store.tokenKeyValue = await tokenKeyAtStart(disk, files, keptKey, state);
      if (outOfSpace !== undefined) store.recovery.untilThereIsSpace(outOfSpace);
      // A deletion a stop interrupted: its tombstone is there, so the account is closed; the rest goes now.
      else await store.deletion.finishUnfinished();
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

  /** One process holds the folder (its lock): no stream grows elsewhere, and the domain wakes this one's polls. */
  onStreamsGrewElsewhere(): () => void {
    return () => undefined;
  }

  deleteAccount(username: string): Promise<AccountDeletion> {
    return this.deletion.delete(username);
  }

  /** The history of a user, loaded on first use and kept indexed in memory. */
  history(username: string): Promise<UserHistory> {
    if (!isCanonicalUsername(username)) throw new Error(`not a canonical username: ${JSON.stringify(username)}`);
    const { histories, files } = this.state;
    let h = histories.get(username);
    if (!h) {
      h = UserHistory.open(username, files.history(username), this.disk).then(({ history, tornBytes, damage }) => {
        reportLoad(this.log, history.path, { tornBytes, damage });
        if (history.leftovers.length > 0) this.maintenance.scrubLater([username], history.leftovers, false);
        if (history.editLeftovers.length > 0) this.maintenance.scrubEditLater([username], history.editLeftovers);
        return history;
      });
      histories.set(username, h);
      h.catch(() => histories.delete(username));
    }
    return h;
  }

  /** What the migration tool copies (api/store/migrate/), read-only: the public face it reads a folder through. */
  copySource(): TextCopySource {
    return copySourceOf(this.state);
  }

  async close(): Promise<void> {
    if (!this.stateValue) return;
    await this.recovery.stop();
    // Read after the recovery stopped: a reload may have replaced it (the one replaced was closed by stop).
    const state = this.state;
    await state.committer.drain();
    this.stateValue = undefined;
    await closeState(state);
    await closeSideFiles(this.side);
    await this.journal.close();
    await this.unlock();
  }

  /** Builds the in-memory state from the files (text-state-load.ts): at start, and after a disk failure. */
  private load(): Promise<LoadedState> {
    return loadTextState({
      files: dataLayout(this.options.dataDir),
      disk: this.disk,
      log: this.log,
      journal: this.journal,
      writer: this.writer,
      seq: this.stateValue?.seq,
      publish: (state) => (this.stateValue = state),
      history: (username) => this.history(username),
      scrubLater: (users, seqs) => this.maintenance.scrubLater(users, seqs, false),
      scrubEditLater: (users, seqs) => this.maintenance.scrubEditLater(users, seqs),
      onDiskFailure: (err) => this.recovery.afterDiskFailure(err),
      maintain: () => this.maintain(),
    });
  }

  /**
   * The sweep of attachments asks (attachment-files.ts): opens these users' histories, which puts the deletes
   * whose lines still name files in line for the scrub, and puts back those whose files could not be removed.
   * Returns how many deletes are now in line.
   */
  async findLeftDeletes(uploaders: readonly string[]): Promise<number> {
    let found = 0;
    for (const user of uploaders) {
      if (!isCanonicalUsername(user)) continue;
      const opened = this.state.histories.has(user);
      const h = await this.history(user);
      // A history opened before was put in line then (its leftovers); only a first opening finds new ones.
      if (!opened) found += h.leftovers.length;
    }
    found += this.maintenance.retryReleases();
    if (found > 0) this.stateValue?.committer.requestMaintenance();
    return found;
  }

  /** Runs between batches (text-maintenance.ts). */
  private maintain(): Promise<void> {
    return this.maintenance.run(
      this.state,
      (user) => this.history(user),
      (ids) => this.attachments.remove(ids),
    );
  }
}
