import { StoreUnavailableError } from '../../errors.js';
import type { Journal, WriteOp } from './journal.js';

/** What the committer writes to: the data files, as the text store keeps them open. */
export interface BatchTarget {
  /** Applies the operations to the data files (written, not yet synced). */
  apply(ops: readonly WriteOp[]): Promise<void>;
  /** fdatasyncs every data file the operations touched. */
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

/**
 * Group commit: writes submitted while a batch is on its way to the disk wait and go together in the next
 * one, so one journal fsync serves many messages. A submit resolves once its batch is committed (journal
 * durable) and applied to the data files (readable); the data files are synced before the next batch may
 * overwrite the journal.
 *
 * After a failed data write or sync, the data files may not hold what the journal says, and Linux may have
 * dropped the failed pages (a later fsync would "succeed" without them): so the committer refuses all writes
 * (503) until `recover` has re-applied the journal on freshly opened files.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private failure: unknown;

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

  /** Resolves when everything submitted so far is durable (or has failed). */
  async drain(): Promise<void> {
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

  private async runBatches(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      const ops = batch.flatMap((p) => p.ops);
      try {
        await this.journal.commit(ops);
      } catch (err) {
        // Nothing reached the data files: the batch simply did not happen.
        for (const p of batch) p.reject(new StoreUnavailableError('could not write to the data folder', err));
        continue;
      }
      try {
        await this.target.apply(ops);
      } catch (err) {
        this.fail(err, batch);
        return;
      }
      for (const p of batch) {
        p.onApplied();
        p.resolve();
      }
      try {
        await this.target.sync(ops);
        await this.maintain();
      } catch (err) {
        this.fail(err, []);
        return;
      }
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
