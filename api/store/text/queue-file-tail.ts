import { settleAll, type DiskFile } from './disk.js';

/**
 * The end of mensagens.txt as it is being written: the lines appended since the last checkpoint, kept in one
 * buffer, and the delivered flags set since the last flush. A flush writes them; a sync also fdatasyncs.
 */
export class QueueFileTail {
  /** Bytes of the file, with what is appended but not written yet. */
  private size = 0;
  /** Bytes of the file that were written. */
  private written = 0;
  /** The lines appended since the last checkpoint (`tail`), from file offset `tailStart` to `size`. */
  private tail = Buffer.alloc(0);
  private tailStart = 0;
  /** Where the tail changed (a flag set) below `written`: written again from there by the next flush. */
  private rewriteFrom = Infinity;
  /** Flags set in lines before the tail (or far back in it), written a byte each by the next flush. */
  private flagWrites: number[] = [];
  /** The last flush or tail change queued: they run one after another (see `flush`). */
  private writing: Promise<void> = Promise.resolve();

  constructor(private handle: DiskFile) {}

  /** The file was just read or rewritten: it holds `size` bytes, all written, and is reached through `handle`. */
  startOver(handle: DiskFile, size: number): void {
    this.handle = handle;
    this.size = size;
    this.tailStart = size;
    this.written = size;
  }

  /** Keeps `line` for the next flush; answers the file offset where it starts. */
  append(line: string): number {
    const start = this.size;
    const bytes = Buffer.byteLength(line);
    const at = start - this.tailStart;
    if (at + bytes > this.tail.length) this.tail = Buffer.concat([this.tail.subarray(0, at)], Math.max(2 * this.tail.length, at + bytes));
    this.tail.write(line, at);
    this.size += bytes;
    return start;
  }

  /** Sets the delivered flag at file offset `flagAt` at the next flush. */
  setFlag(flagAt: number): void {
    // In the tail the byte is set in memory too, so that writing the tail again can never clear it.
    if (flagAt >= this.tailStart) this.tail[flagAt - this.tailStart] = ONE;
    if (flagAt >= this.written) return; // written with its line
    if (flagAt >= this.tailStart && this.written - flagAt <= MAX_REWRITE) this.rewriteFrom = Math.min(this.rewriteFrom, flagAt);
    else this.flagWrites.push(flagAt);
  }

  /**
   * Writes the appended lines and the flags set since the last flush: one write from the first changed byte
   * of the tail to its end (a flag is one byte of an otherwise identical line, so writing the line again
   * cannot tear anything), and one single-byte write per flag of an older line.
   *
   * A checkpoint's `sync` runs beside the batches' flushes, so the writes go one flush after another: two
   * writes of the same bytes in flight at once could land in either order, the older flag last. What a
   * flush covers is counted as written when it starts: a flag set in those bytes while they are being
   * written is written again by the next flush.
   */
  flush(): Promise<void> {
    return this.serially(async () => {
      const from = Math.min(this.rewriteFrom, this.written);
      const end = this.size;
      const writes = this.flagWrites.map((at) => this.handle.write(FLAG_SET, 0, 1, at));
      if (from < end) writes.push(this.handle.write(this.tail, from - this.tailStart, end - from, from));
      this.flagWrites = [];
      this.rewriteFrom = Infinity;
      this.written = end;
      // On a failure the committer fails, and the store reloads the queue from the file: `written` need not be undone.
      await settleAll(writes);
    });
  }

  /** Writes what is not written yet and fdatasyncs the file; only the end of the tail is kept after that. */
  async sync(): Promise<void> {
    await this.flush();
    await this.handle.datasync();
    await this.serially(async () => this.keepTailEnd());
  }

  /** Bytes of the file once every append is written: where a rewrite of the whole file must end. */
  get end(): number {
    return this.size;
  }

  /** Ends once every write started has ended. */
  idle(): Promise<void> {
    return this.writing;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /**
   * Drops the start of the tail once it is written: it keeps what is not written yet, a flag rewrite still to
   * come, and its last MAX_REWRITE bytes, so that a message acknowledged soon after a checkpoint still has
   * its flag go out with the next write of the file. Runs between flushes: no write reads the tail meanwhile.
   */
  private keepTailEnd(): void {
    const from = Math.max(this.tailStart, Math.min(this.written, this.rewriteFrom, this.size - MAX_REWRITE));
    const kept = this.tail.subarray(from - this.tailStart, this.size - this.tailStart);
    if (this.tail.length > TAIL_KEPT) this.tail = Buffer.concat([kept], Math.max(TAIL_KEPT / 4, kept.length));
    else kept.copy(this.tail, 0); // overlapping regions of one buffer: copy handles it
    this.tailStart = from;
  }

  /** Runs `work` after every write started before it has ended. */
  private serially(work: () => Promise<void>): Promise<void> {
    const run = this.writing.then(work);
    this.writing = run.catch(() => undefined);
    return run;
  }
}

const ONE = 0x31; // '1'
const FLAG_SET = Buffer.from('1');
/** A flag this far below the written end is written on its own rather than by writing the tail again from it. */
const MAX_REWRITE = 64 * 1024;
/** The tail's buffer is kept across checkpoints up to this size (a bigger one is replaced by a smaller one). */
const TAIL_KEPT = 1024 * 1024;
