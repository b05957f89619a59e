import { StoreUnavailableError } from '../../errors.js';
import { QUEUE_FILE, type DataFileKey, type Journal, type WriteOp } from './journal.js';

/** What the committer writes to: the data files, as the text store keeps them open. */
export interface BatchTarget {
  /** Applies the operations: readable once it resolves; written to the data files by now or by `sync`. */
  apply(ops: readonly WriteOp[]): Promise<void>;
  /**
   * Writes what `apply` left in memory and fdatasyncs every data file the operations touched. Runs beside
   * `apply` of later batches (never beside another `sync`).
   */
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
/**
 * or once the oldest unsynced write is this old. A checkpoint syncs about one history per active user
 * whatever the interval, so a longer one means fewer syncs of each (issue #4; figures in docs/performance.md).
 * The journal holds what the interval holds.
 */
const CHECKPOINT_MS = 5000;
/** or once no batch came for this long. */
const IDLE_CHECKPOINT_MS = 50;
/**
 * Batches wait for the checkpoint in progress once the journal holds this much (the data files sync slower
 * than the journal grows): what a start has to replay stays bounded.
 */
const MAX_JOURNAL_BYTES = 4 * CHECKPOINT_BYTES;

/**
 * Group commit: writes submitted while a batch is on its way to the disk wait and go together in the next
 * one, so one journal fsync serves many messages. A submit resolves once its batch is committed (journal
 * durable) and applied to the data files (readable). The data files are not synced per batch: one fsync of
 * the journal is the whole cost of a batch (issue #4), and the journal keeps every batch since the last
 * checkpoint, which syncs the files the batches touched.
 *
 * A checkpoint does not stop the commits: it rotates the journal (later batches go to its other file) and
 * syncs in the background, beside them. Waiting for it cost a stall of tens of milliseconds at each one,
 * most of the p99 of a send (issue #4). Queue compaction, which rewrites a file batches write to, still runs
 * between batches, after a checkpoint.
 *
 * After a failed data write or sync, the data files may not hold what the journal says, and Linux may have
 * dropped the failed pages (a later fsync would "succeed" without them): so the committer refuses all writes
 * (503) until `recover` has re-applied the journal on freshly opened files.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  /** The checkpoint in progress, if any; it never rejects (a failure fails the committer). */
  private checkpointing: Promise<void> | undefined;
  private failure: unknown;
  /** Set while `drainAndSuspend` drains: new writes are refused, those submitted before are written. */
  private closing: unknown;
  /** One operation per data file written since the last checkpoint began (what `target.sync` needs to see). */
  private readonly unsynced = new Map<DataFileKey, WriteOp>();
  private journalBytes = 0;
  private oldestUnsynced = 0;
  /** When the last batch was applied: the idle checkpoint waits for this to be IDLE_CHECKPOINT_MS old. */
  private lastBatchAt = 0;
  private checkpointWanted = false;
  private maintenanceDue = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly target: BatchTarget,
    /** Called once nothing of the committer runs any more, so the store may close and reopen its files. */
    private readonly onFailure: (err: unknown) => void,
    /** Runs between batches after a checkpoint, with no write or sync in progress (queue compaction). */
    private readonly maintain: () => Promise<void> = async () => undefined,
  ) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  submit(ops: WriteOp[], onApplied: () => void): Promise<void> {
    const refusal = this.failure ?? this.closing;
    if (refusal !== undefined) {
      return Promise.reject(new StoreUnavailableError('the data folder cannot be written right now; try again later', refusal));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, onApplied, resolve, reject });
      this.run();
    });
  }

  /** Resolves when everything submitted so far is durable (or has failed) and the data files are synced. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.running) await this.running;
      else if (this.checkpointing) await this.checkpointing;
      else if (this.unsynced.size > 0 && this.failure === undefined) this.requestCheckpoint();
      else return;
    }
  }

  /**
   * Refuses new writes (503), writes what was submitted before, then `suspend`s: no batch is left waiting
   * behind the suspension to be committed after what the caller does meanwhile (an account's tombstone,
   * text-users.ts, issue #20), and steady traffic cannot keep the drain from ending.
   */
  async drainAndSuspend(reason: unknown): Promise<void> {
    this.closing = reason;
    try {
      await this.drain();
    } finally {
      this.closing = undefined;
      this.suspend(reason);
    }
  }

  /** Refuses every write (503) until `recovered()`: while the store loads its files and replays the journal. */
  suspend(reason: unknown): void {
    this.failure = reason;
  }

  /** Clears the failed state once the caller has re-applied the journal and synced the files. */
  recovered(): void {
    this.failure = undefined;
  }

  /** Runs `maintain` at the next quiet point even without a checkpoint (the deleted-text scrub, issue #18). */
  requestMaintenance(): void {
    if (this.failure !== undefined) return;
    this.maintenanceDue = true;
    this.run();
  }

  private run(): void {
    this.running ??= this.runBatches();
  }

  private requestCheckpoint(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.checkpointWanted = true;
    this.run();
  }

  private async runBatches(): Promise<void> {
    // Never ends synchronously: `running` is assigned before the loop below clears it.
    await Promise.resolve();
    try {
      while (this.failure === undefined) {
        if (this.maintenanceDue && !this.checkpointing) {
          this.maintenanceDue = false;
          try {
            await this.maintain();
          } catch (err) {
            this.fail(err, []);
            return;
          }
          continue;
        }
        if (!this.checkpointing && this.unsynced.size > 0 && (this.checkpointWanted || this.checkpointDue())) this.startCheckpoint();
        if (this.queue.length === 0) break;
        if (this.checkpointing && this.journalBytes >= MAX_JOURNAL_BYTES) {
          await this.checkpointing;
          continue;
        }
        const batch = this.takeBatch();
        const ops = batch.flatMap((p) => p.ops);
        const afresh = this.journal.startsAfresh;
        try {
          this.journalBytes += await this.journal.commit(ops);
        } catch (err) {
          const unavailable = new StoreUnavailableError('could not write to the data folder', err);
          if (afresh) {
            // Nothing reached the data files, and the next batch starts that file afresh: this one simply did not happen.
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
        this.lastBatchAt = Date.now();
        if (this.unsynced.size === 0) this.oldestUnsynced = this.lastBatchAt;
        for (const op of ops) this.unsynced.set(op.kind === 'append' ? op.file : QUEUE_FILE, op);
        for (const p of batch) {
          p.onApplied();
          p.resolve();
        }
      }
    } finally {
      // Cleared in the same tick as the loop's last look at the queue, so no submit() can slip in between.
      this.running = undefined;
    }
    // A checkpoint in progress starts the loop again when it ends (maintenance, and the next checkpoint).
    if (this.unsynced.size > 0 && !this.checkpointing && this.failure === undefined) this.checkpointWhenIdle(IDLE_CHECKPOINT_MS);
  }

  /**
   * A checkpoint once no batch came for IDLE_CHECKPOINT_MS. One timer, armed when the loop first runs out
   * of batches and checked when it fires: whether a batch came since is checked then, so that steady traffic
   * does not make a checkpoint at every short pause.
   */
  private checkpointWhenIdle(delay: number): void {
    this.idleTimer ??= setTimeout(() => {
      this.idleTimer = undefined;
      const quiet = Date.now() - this.lastBatchAt;
      if (quiet >= IDLE_CHECKPOINT_MS) this.requestCheckpoint();
      else this.checkpointWhenIdle(IDLE_CHECKPOINT_MS - quiet);
    }, delay);
    this.idleTimer.unref();
  }

  private checkpointDue(): boolean {
    return this.journalBytes >= CHECKPOINT_BYTES || Date.now() - this.oldestUnsynced >= CHECKPOINT_MS;
  }

  /**
   * Rotates the journal and syncs, in the background, every data file written since the last checkpoint
   * began. Runs between batches: the batches it covers are all applied. The previous checkpoint is done, so
   * the journal file the rotation starts afresh holds only synced batches.
   */
  private startCheckpoint(): void {
    this.checkpointWanted = false;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const ops = [...this.unsynced.values()];
    this.unsynced.clear();
    this.journal.rotate();
    this.journalBytes = 0;
    this.checkpointing = this.target.sync(ops).then(
      () => {
        this.checkpointing = undefined;
        this.maintenanceDue = true;
        this.run();
      },
      (err: unknown) => {
        this.checkpointing = undefined;
        this.fail(err, []);
      },
    );
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
    const unavailable = new StoreUnavailableError('could not write to the data folder', err);
    for (const p of [...batch, ...this.queue.splice(0)]) p.reject(unavailable);
    if (this.failure !== undefined) return;
    this.failure = err;
    clearTimeout(this.idleTimer);
    // The store closes and reopens its files: only once no batch or checkpoint still writes to them (a write
    // to a closed descriptor could land in whatever file was opened since under the same number).
    void this.settled().then(() => this.onFailure(err));
  }

  private async settled(): Promise<void> {
    while (this.running || this.checkpointing) await Promise.allSettled([this.running, this.checkpointing]);
  }
}
