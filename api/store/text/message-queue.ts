import { promises as fsp } from 'node:fs';
import { COMPACTION_COPY_SUFFIX } from './data-layout.js';
import { nodeDisk, openCreating, settleAll, writeDurably, type Disk, type DiskFile } from './disk.js';
import { visitRecordFile, type Damage } from './line-file.js';
import { decodeQueueLine, type QueueLine, type QueueRecord } from './records.js';

/** The steps of a compaction, in order: a crash after any of them leaves the old queue or the new one. */
export const COMPACTION_STEPS = ['read', 'written', 'synced', 'renamed', 'folder-synced'] as const;
export type CompactionStep = (typeof COMPACTION_STEPS)[number];

/**
 * A fault-injection seam for the compaction-crash tests (test/faults): called after each step; a hook that
 * throws stops the compaction there, as a crash would. Production passes none, which costs one check a step.
 */
export interface CompactionHooks {
  afterStep?: (step: CompactionStep) => void | Promise<void>;
}

/**
 * `mensagens.txt`: the queue of messages not yet delivered, as the old system kept it. A message is appended
 * when sent; its `delivered` byte is set in place when the recipient acknowledges it; compaction rewrites the
 * file without the delivered ones (new file, fsync, rename, fsync the folder: a crash leaves the old queue or
 * the new one, never a mix).
 *
 * Delivery is acknowledged by cursor, so a recipient's delivered messages are always a prefix of what was
 * sent to them: the undelivered ones per recipient are kept as an ascending list, and "delivered" is simply
 * "older than the first undelivered one".
 *
 * The messages themselves are kept in sequence order (the order of the file), one array per field, found by
 * binary search: a million queued messages are a few flat arrays rather than a million objects in a Map,
 * which is most of what a start with a big queue used to spend (issue #4).
 */
export class MessageQueue {
  private seqs: number[] = [];
  private senders: string[] = [];
  private recipients: string[] = [];
  /** Absolute byte offset of each message's delivered flag in the file. */
  private flagAt: number[] = [];
  private delivered: boolean[] = [];
  private readonly undelivered = new Map<string, number[]>();
  /** One string per username: a million entries share a few thousand names instead of holding a copy each. */
  private readonly names = new Map<string, string>();
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
  private deliveredCount = 0;
  /** The last flush or tail change queued: they run one after another (see `flush`). */
  private writing: Promise<void> = Promise.resolve();
  /** Whether the columns are in sequence order (binary search needs it). */
  private ordered = true;
  maxSeq = 0;

  private constructor(
    readonly file: string,
    private handle: DiskFile,
    private readonly disk: Disk,
  ) {}

  static async open(file: string, disk: Disk = nodeDisk): Promise<{ queue: MessageQueue; tornBytes: number; damage: Damage[] }> {
    // Positional writes (the in-place flag) are ignored on files opened for append on Linux: use r+.
    const queue = new MessageQueue(file, await openReadWrite(file, disk), disk);
    try {
      // Indexed line by line as the file is read: a million queued messages are never held decoded at once.
      const loaded = await visitRecordFile(file, decodeQueueLine, (d, offset) => queue.index(d.record, offset + d.flagOffset), disk);
      queue.sortIfNeeded();
      queue.size = loaded.validEnd;
      queue.emptyTail();
      return { queue, tornBytes: loaded.tornBytes, damage: loaded.damage };
    } catch (err) {
      await queue.close();
      throw err;
    }
  }

  /** The oldest message not yet delivered to `user`, if any. */
  firstUndelivered(user: string): number | undefined {
    return this.undelivered.get(user)?.[0];
  }

  senderOf(seq: number): string | undefined {
    const i = this.position(seq);
    return i < 0 ? undefined : this.senders[i];
  }

  isDelivered(to: string, seq: number): boolean {
    const first = this.firstUndelivered(to);
    return first === undefined || seq < first;
  }

  /** Undelivered messages to `user` up to `upTo`, oldest first. */
  undeliveredUpTo(user: string, upTo: number): number[] {
    const list = this.undelivered.get(user) ?? [];
    let n = 0;
    while (n < list.length && (list[n] ?? Infinity) <= upTo) n++;
    return list.slice(0, n);
  }

  get stats(): { total: number; delivered: number } {
    return { total: this.seqs.length, delivered: this.deliveredCount };
  }

  /**
   * Indexes committed queue lines and keeps them for `flush` to write; lines whose message is already here
   * are skipped (journal replay).
   */
  append(appends: readonly { line: string; queued?: QueueLine }[]): void {
    for (const { line, queued } of appends) {
      const { record, flagOffset } = queued ?? decoded(line);
      if (record.seq <= this.maxSeq) continue;
      const bytes = Buffer.byteLength(line);
      const at = this.size - this.tailStart;
      if (at + bytes > this.tail.length) this.tail = Buffer.concat([this.tail.subarray(0, at)], Math.max(2 * this.tail.length, at + bytes));
      this.tail.write(line, at);
      this.index(record, this.size + flagOffset);
      this.size += bytes;
    }
  }

  /** Marks a message delivered (idempotent); `flush` sets its flag byte in the file. */
  markDelivered(seq: number): void {
    const i = this.position(seq);
    const flagAt = this.flagAt[i];
    if (flagAt === undefined || this.delivered[i]) return;
    this.delivered[i] = true;
    this.deliveredCount++;
    const to = this.recipients[i] ?? '';
    const list = this.undelivered.get(to);
    if (list) {
      const at = list.indexOf(seq);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.undelivered.delete(to);
    }
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

  /**
   * Rewrites the queue without its delivered messages. Must not run while a batch is being applied (the
   * text store runs it through the committer's quiet point).
   *
   * The kept lines are found from the columns, not by decoding the file: each undelivered message's line is
   * the one around its flag byte. Decoding every line took 5 to 29 ms of the event loop at each checkpoint of
   * the deliver benchmark, a stall every message in flight waited for (issue #4).
   */
  async compact(hooks: CompactionHooks = {}): Promise<number> {
    const removed = this.deliveredCount;
    if (removed === 0) return 0;
    // Nothing is written meanwhile (see above), but a write still in flight on the handle closed below could
    // land in whatever file is opened next under its descriptor number.
    await this.writing;
    const buf = await fsp.readFile(this.file);
    const kept = this.keptLines(buf);
    await hooks.afterStep?.('read');
    // The kept lines as they are: undelivered, so their bytes are exactly what encoding them would give.
    const data = Buffer.concat(kept.map((k) => k.line));
    // A full disk: the old queue stays, whole, and the half-written copy does not keep the space (issue #15).
    await writeDurably(this.disk, this.file, data, { copy: `${this.file}${COMPACTION_COPY_SUFFIX}`, afterStep: hooks.afterStep });
    await this.handle.close();
    this.handle = await openReadWrite(this.file, this.disk);
    const maxSeq = this.maxSeq;
    this.clear();
    let offset = 0;
    for (const k of kept) {
      this.add(k.seq, k.from, k.to, offset + k.flagInLine, false);
      offset += k.line.length;
    }
    this.size = offset;
    this.emptyTail();
    // Numbers of removed messages are never handed out again, even when they were the highest.
    this.maxSeq = maxSeq;
    return removed;
  }

  /** The undelivered messages' lines in `buf` (the whole file), in sequence order, each with its message. */
  private keptLines(buf: Buffer): { line: Buffer; flagInLine: number; seq: number; from: string; to: string }[] {
    const kept = [];
    for (let i = 0; i < this.seqs.length; i++) {
      if (this.delivered[i]) continue;
      const flagAt = this.flagAt[i] ?? -1;
      const start = buf.lastIndexOf(LF, flagAt) + 1;
      const end = buf.indexOf(LF, flagAt) + 1;
      // Every flush has ended (see compact), so every indexed line is in the file: anything else is a bug,
      // and writing the file without that line would lose a message.
      if (flagAt < 0 || flagAt >= buf.length || end === 0)
        throw new Error(`mensagens.txt does not hold message ${this.seqs[i]} where the queue has it`);
      kept.push({
        line: buf.subarray(start, end),
        flagInLine: flagAt - start,
        seq: this.seqs[i] ?? 0,
        from: this.senders[i] ?? '',
        to: this.recipients[i] ?? '',
      });
    }
    return kept;
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

  /** The file was just read or rewritten: no tail yet, everything written. */
  private emptyTail(): void {
    this.tailStart = this.size;
    this.written = this.size;
  }

  /** Where message `seq` is in the columns, or -1. */
  private position(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[mid] ?? Infinity) < seq) lo = mid + 1;
      else hi = mid;
    }
    return this.seqs[lo] === seq ? lo : -1;
  }

  /** Adds a message at the end of the columns (the file's order). */
  private index(record: QueueRecord, flagAt: number): void {
    this.add(record.seq, this.name(record.from), this.name(record.to), flagAt, record.delivered);
  }

  private add(seq: number, from: string, to: string, flagAt: number, delivered: boolean): void {
    if (seq <= this.maxSeq) this.ordered = false;
    this.seqs.push(seq);
    this.senders.push(from);
    this.recipients.push(to);
    this.flagAt.push(flagAt);
    this.delivered.push(delivered);
    this.maxSeq = Math.max(this.maxSeq, seq);
    if (delivered) {
      this.deliveredCount++;
      return;
    }
    const list = this.undelivered.get(to);
    if (list) list.push(seq);
    else this.undelivered.set(to, [seq]);
  }

  /**
   * Puts the columns in sequence order after loading a file that was not (only a hand-edited file is: appends
   * only go above `maxSeq`), keeping the last line of a message found twice, as reading top to bottom would.
   */
  private sortIfNeeded(): void {
    if (this.ordered) return;
    const { seqs, senders, recipients, flagAt, delivered } = this;
    const order = seqs.map((_, i) => i).sort((a, b) => (seqs[a] ?? 0) - (seqs[b] ?? 0) || b - a);
    this.clear();
    let previous: number | undefined;
    for (const i of order) {
      if (seqs[i] === previous) continue;
      previous = seqs[i];
      this.add(seqs[i] ?? 0, senders[i] ?? '', recipients[i] ?? '', flagAt[i] ?? 0, delivered[i] ?? false);
    }
  }

  private clear(): void {
    this.seqs = [];
    this.senders = [];
    this.recipients = [];
    this.flagAt = [];
    this.delivered = [];
    this.undelivered.clear();
    this.deliveredCount = 0;
    this.maxSeq = 0;
    this.ordered = true;
  }

  private name(username: string): string {
    const known = this.names.get(username);
    if (known !== undefined) return known;
    this.names.set(username, username);
    return username;
  }
}

const ONE = 0x31; // '1'
const LF = 0x0a;
const FLAG_SET = Buffer.from('1');
/** A flag this far below the written end is written on its own rather than by writing the tail again from it. */
const MAX_REWRITE = 64 * 1024;
/** The tail's buffer is kept across checkpoints up to this size (a bigger one is replaced by a smaller one). */
const TAIL_KEPT = 1024 * 1024;

async function openReadWrite(file: string, disk: Disk): Promise<DiskFile> {
  await (await openCreating(disk, file, 'a')).close();
  return disk.open(file, 'r+');
}

function decoded(line: string): QueueLine {
  const d = decodeQueueLine(line.slice(0, -1));
  if (!d.ok) throw new Error(`refusing to append a bad queue record: ${d.reason}`);
  return d.value;
}
