import { StoreUnavailableError } from '../../errors.js';
import { writeDurably, type Disk, type DiskFile } from './disk.js';
import { encodeSessionLine } from './session-records.js';

/** A change to write: its line, how to take it back in memory if it cannot be written, and who waits for it. */
export interface SessionChange {
  line: string;
  undo: () => void;
  callback?: ((err?: StoreUnavailableError) => void) | undefined;
}

/** The live sessions by key, as session-file.ts holds them in memory: what a compaction keeps. */
export type LiveSessions = ReadonlyMap<string, { readonly expires: number; readonly json: string }>;

/** The lines of a compact sessions.txt: one per live session. */
export function liveSessionLines(live: LiveSessions): string[] {
  return [...live].map(([key, e]) => encodeSessionLine({ kind: 's', key, expires: e.expires, json: e.json }));
}

/**
 * The writes of sessions.txt, appended and fsynced before the change they carry resolves. A line that cannot
 * be written (a full disk) is cut off the file and its change undone in memory (issue #15); the file is
 * rewritten with the live sessions only once it has grown to about twice that, or when asked (issue #17).
 */
export class SessionWrites {
  private queue: SessionChange[] = [];
  /** Callers waiting for a compaction they asked for (`compactNow`), run by the flush loop after its write. */
  private compactWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private handle: DiskFile,
    private readonly disk: Disk,
    private readonly live: LiveSessions,
    /** Lines in the file: a compaction is due once they outnumber the live sessions by far. */
    private lines: number,
    /** Bytes of whole lines in the file: a failed write is cut back to it. */
    private fileSize: number,
  ) {}

  /** `persist`, resolving once the change is written and rejecting when it could not be. */
  persisted(change: Omit<SessionChange, 'callback'>): Promise<void> {
    return new Promise((resolve, reject) => this.persist({ ...change, callback: (err) => (err ? reject(err) : resolve()) }));
  }

  /** Group commit: lines queued while a sync runs go out together in the next write. */
  persist(change: SessionChange): void {
    this.queue.push(change);
    this.flushing ??= this.flushLoop();
  }

  /**
   * Rewrites the file with the live sessions only (new file, fsync, rename, fsync of the folder), after the
   * writes queued before it: the ended sessions' lines leave the file (a deleted account, issue #17).
   */
  compactNow(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.compactWaiters.push({ resolve, reject });
      this.persist({ line: '', undo: () => undefined });
    });
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        const data = batch.map((b) => b.line).join('');
        let error: StoreUnavailableError | undefined;
        try {
          await this.handle.write(data);
          await this.handle.datasync();
          this.fileSize += Buffer.byteLength(data);
          this.lines += batch.length;
        } catch (err) {
          error = new StoreUnavailableError('the session could not be stored; try again later', err);
          // Whatever part of the batch reached the file goes: the next lines must not follow half a line.
          await this.handle.truncate(this.fileSize).catch(() => undefined);
          for (const b of [...batch].reverse()) b.undo();
        }
        for (const b of batch) b.callback?.(error);
        const waiters = this.compactWaiters.splice(0);
        if (waiters.length > 0) {
          // Asked for (a deleted account's lines must leave the file, issue #17): its failure is the caller's.
          const failed =
            error ??
            (await this.compact().then(
              () => undefined,
              (err: unknown) => err,
            ));
          for (const w of waiters)
            if (failed === undefined) w.resolve();
            else w.reject(new StoreUnavailableError('the sessions file could not be rewritten; try again later', failed));
        }
        // Compaction only saves space: when it cannot be done now, it is tried again after a later write.
        else if (!error && this.lines > 2 * this.live.size + 1000) await this.compact().catch(() => undefined);
      }
    } finally {
      // Cleared in the same tick as the last emptiness check, so no persist() can slip in between.
      this.flushing = undefined;
    }
  }

  private async compact(): Promise<void> {
    const lines = liveSessionLines(this.live);
    await writeDurably(this.disk, this.file, lines.join(''));
    const handle = await this.disk.open(this.file, 'a');
    await this.handle.close();
    this.handle = handle;
    this.lines = lines.length;
    this.fileSize = (await handle.stat()).size;
  }
}
