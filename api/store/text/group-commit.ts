import { StoreUnavailableError } from '../../errors.js';
import type { FileKey, Journal, WriteOp } from './journal.js';

/** What the committer writes to: the data files, as the text store keeps them open. */
export interface BatchTarget {
  /** Applies the operations: readable once it resolves; written to the data files by now or by `sync`. */
  apply(ops: readonly WriteOp[]): Promise<void>;
  /** Writes what `apply` left in memory and fdatasyncs every data file the operations touched. */
  sync(ops: readonly WriteOp[]): Promise<void>;
}

interface Pending {
  ops: WriteOp[];
  /** Updates the in-memory indexes once the data is written: after this, readers may see it. */
  onApplied: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Upper bound on a batch, so one journal write stays small. */
const MAX_BATCH_OPS = 4096;
/** A checkpoint (sync the data files, then start the journal afresh) once the journal holds this many bytes, */
const CHECKPOINT_BYTES = 8 * 1024 * 1024;
/** or once the oldest unsynced write is this old, */
const CHECKPOINT_MS = 1000;
/** or once no batch came for this long. */
const IDLE_CHECKPOINT_MS = 50;

/**
 * Group commit: writes submitted while a batch is on its way to the disk wait and go together in the next
 * one, so one journal fsync serves many messages. A submit resolves once its batch is committed (journal
 * durable) and applied to the data files (readable). The data files are not synced per batch: one fsync of
 * the journal is the whole cost of a batch (issue #4), and the journal keeps every batch since the last
 * checkpoint, which syncs the files the batches touched and lets the next batch start the journal afresh.
 *
 * After a failed data write or sync, the data files may not hold what the journal says, and Linux may have
 * dropped the failed pages (a later fsync would "succeed" without them): so the committer refuses all writes
 * (503) until `recover` has re-applied the journal on freshly opened files.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private failure: unknown;
  /** One operation per data file written since the last checkpoint (what `target.sync` needs to see). */
  private readonly unsynced = new Map<FileKey, WriteOp>();
  private journalBytes = 0;
  private oldestUnsynced = 0;
  private checkpointWanted = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly target: BatchTarget,
    private readonly onFailure: (err: unknown) => void,
    /** Runs between batches, with no write in progress (queue compaction). */
    private readonly maintain: () => Promise<void> = async () => undefined,
  ) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  submit(ops: WriteOp[], onApplied: () => void): Promise<void> {
    if (this.failure !== undefined) {
      return Promise.reject(new StoreUnavailableError('the data folder cannot be written right now; try again later', this.failure));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, onApplied, resolve, reject });
      this.running ??= this.run();
    });
  }

  /** Resolves when everything submitted so far is durable (or has failed) and the data files are synced. */
  async drain(): Promise<void> {
    this.requestCheckpoint();
    while (this.running) await this.running;
  }

  /** Refuses every write (503) until `recovered()`: while the store loads its files and replays the journal. */
  suspend(reason: unknown): void {
    this.failure = reason;
  }

  /** Clears the failed state once the caller has re-applied the journal and synced the files. */
  recovered(): void {
    this.failure = undefined;
  }

  private async run(): Promise<void> {
    try {
      await this.runBatches();
    } finally {
      // Cleared in the same tick as the last emptiness check, so no submit() can slip in between.
      this.running = undefined;
    }
  }

  private requestCheckpoint(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.checkpointWanted = true;
    this.running ??= this.run();
  }

  private async runBatches(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        if (!this.checkpointWanted || this.unsynced.size === 0 || this.failure !== undefined) break;
        if (!(await this.checkpoint())) return;
        continue;
      }
      const batch = this.takeBatch();
      const ops = batch.flatMap((p) => p.ops);
      // Every file synced since the journal's batches were applied: they are no longer needed.
      const restart = this.unsynced.size === 0;
      try {
        this.journalBytes = (restart ? 0 : this.journalBytes) + (await this.journal.commit(ops, restart));
      } catch (err) {
        const unavailable = new StoreUnavailableError('could not write to the data folder', err);
        if (restart) {
          // Nothing reached the data files, and the next batch starts the journal afresh: this one simply did not happen.
          for (const p of batch) p.reject(unavailable);
          continue;
        }
        // Part of it may sit after the committed batches, and a batch appended after that would never be replayed.
        this.fail(err, batch);
        return;
      }
      try {
        await this.target.apply(ops);
      } catch (err) {
        this.fail(err, batch);
        return;
      }
      if (this.unsynced.size === 0) this.oldestUnsynced = Date.now();
      for (const op of ops) this.unsynced.set(op.kind === 'append' ? op.file : 'q', op);
      for (const p of batch) {
        p.onApplied();
        p.resolve();
      }
      if (this.journalBytes >= CHECKPOINT_BYTES || Date.now() - this.oldestUnsynced >= CHECKPOINT_MS) {
        if (!(await this.checkpoint())) return;
      }
    }
    if (this.unsynced.size > 0 && this.failure === undefined) {
      this.idleTimer ??= setTimeout(() => this.requestCheckpoint(), IDLE_CHECKPOINT_MS);
      this.idleTimer.unref();
    }
  }

  /** Syncs every data file written since the last checkpoint, then runs maintenance (compaction). */
  private async checkpoint(): Promise<boolean> {
    this.checkpointWanted = false;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    try {
      await this.target.sync([...this.unsynced.values()]);
      this.unsynced.clear();
      await this.maintain();
      return true;
    } catch (err) {
      this.fail(err, []);
      return false;
    }
  }

  private takeBatch(): Pending[] {
    let count = 0;
    let i = 0;
    while (i < this.queue.length && (i === 0 || count + (this.queue[i]?.ops.length ?? 0) <= MAX_BATCH_OPS)) {
      count += this.queue[i]?.ops.length ?? 0;
      i++;
    }
    return this.queue.splice(0, i);
  }

  private fail(err: unknown, batch: Pending[]): void {
    this.failure = err;
    const unavailable = new StoreUnavailableError('could not write to the data folder', err);
    for (const p of [...batch, ...this.queue.splice(0)]) p.reject(unavailable);
    this.onFailure(err);
  }
}
