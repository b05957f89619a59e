import { promises as fsp } from 'node:fs';
import { COMPACTION_COPY_SUFFIX } from './data-layout.js';
import { nodeDisk, openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';
import { visitRecordFile, type Damage } from './line-file.js';
import { keptLines, type CompactionHooks } from './queue-compaction.js';
import { blankQueueLines } from './queue-text-scrub.js';
import { QueueFileTail } from './queue-file-tail.js';
import { QueueIndex } from './queue-index.js';
import { decodeQueueLine, type QueueLine } from './records.js';

/**
 * `mensagens.txt`: the queue of messages not yet delivered, as the old system kept it. A message is appended
 * when sent; its `delivered` byte is set in place when the recipient acknowledges it; compaction rewrites the
 * file without the delivered ones (new file, fsync, rename, fsync the folder: a crash leaves the old queue or
 * the new one, never a mix).
 *
 * What the file holds is answered from memory (queue-index.ts); the writes go through its tail
 * (queue-file-tail.ts).
 */
export class MessageQueue {
  private readonly index = new QueueIndex();

  private constructor(
    readonly file: string,
    private readonly tail: QueueFileTail,
    private readonly disk: Disk,
  ) {}

  static async open(file: string, disk: Disk = nodeDisk): Promise<{ queue: MessageQueue; tornBytes: number; damage: Damage[] }> {
    const handle = await openReadWrite(file, disk);
    const queue = new MessageQueue(file, new QueueFileTail(handle), disk);
    try {
      // Indexed line by line as the file is read: a million queued messages are never held decoded at once.
      const loaded = await visitRecordFile(file, decodeQueueLine, (d, offset) => queue.index.add(d.record, offset + d.flagOffset), disk);
      queue.index.sortIfNeeded();
      queue.tail.startOver(handle, loaded.validEnd);
      return { queue, tornBytes: loaded.tornBytes, damage: loaded.damage };
    } catch (err) {
      await queue.close();
      throw err;
    }
  }

  get maxSeq(): number {
    return this.index.maxSeq;
  }

  /** The oldest message not yet delivered to `user`, if any. */
  firstUndelivered(user: string): number | undefined {
    return this.index.firstUndelivered(user);
  }

  senderOf(seq: number): string | undefined {
    return this.index.senderOf(seq);
  }

  isDelivered(to: string, seq: number): boolean {
    return this.index.isDelivered(to, seq);
  }

  /** Undelivered messages to `user` up to `upTo`, oldest first. */
  undeliveredUpTo(user: string, upTo: number): number[] {
    return this.index.undeliveredUpTo(user, upTo);
  }

  get stats(): { total: number; delivered: number } {
    return this.index.stats;
  }

  /**
   * Indexes committed queue lines and keeps them for `flush` to write; lines whose message is already here
   * are skipped (journal replay).
   */
  append(appends: readonly { line: string; queued?: QueueLine }[]): void {
    for (const { line, queued } of appends) {
      const { record, flagOffset } = queued ?? decoded(line);
      if (record.seq <= this.index.maxSeq) continue;
      this.index.add(record, this.tail.append(line) + flagOffset);
    }
  }

  /** Marks a message delivered (idempotent); `flush` sets its flag byte in the file. */
  markDelivered(seq: number): void {
    const flagAt = this.index.markDelivered(seq);
    if (flagAt !== undefined) this.tail.setFlag(flagAt);
  }

  /** Writes the appended lines and the flags set since the last flush (queue-file-tail.ts). */
  flush(): Promise<void> {
    return this.tail.flush();
  }

  /** Writes what is not written yet and fdatasyncs the file. */
  sync(): Promise<void> {
    return this.tail.sync();
  }

  /**
   * Rewrites the queue without its delivered messages. Must not run while a batch is being applied (the
   * text store runs it through the committer's quiet point).
   */
  async compact(hooks: CompactionHooks = {}): Promise<number> {
    const removed = this.index.stats.delivered;
    if (removed === 0) return 0;
    // Nothing is written meanwhile (see above), but a write still in flight on the handle closed below could
    // land in whatever file is opened next under its descriptor number.
    await this.tail.idle();
    const kept = keptLines(await fsp.readFile(this.file), this.index.undeliveredMessages());
    await hooks.afterStep?.('read');
    // The kept lines as they are: undelivered, so their bytes are exactly what encoding them would give.
    const data = Buffer.concat(kept.map((k) => k.line));
    // A full disk: the old queue stays, whole, and the half-written copy does not keep the space (issue #15).
    await writeDurably(this.disk, this.file, data, { copy: `${this.file}${COMPACTION_COPY_SUFFIX}`, afterStep: hooks.afterStep });
    await this.tail.close();
    const handle = await openReadWrite(this.file, this.disk);
    let offset = 0;
    const moved = kept.map((k) => {
      const flagAt = offset + k.flagInLine;
      offset += k.line.length;
      return { seq: k.seq, from: k.from, to: k.to, flagAt };
    });
    this.index.replace(moved);
    this.tail.startOver(handle, offset);
    return removed;
  }

  /**
   * Rewrites the queue with the text of messages `seqs` blanked (issue #18: an edit keeps only the latest
   * text; delivery reads the text from the histories, never from here). Delivered or not, a line that is
   * still in the file is blanked; the others are skipped. The blanked line keeps its length (queue-text-scrub.ts),
   * so every flag offset in memory stays true. Same crash safety and quiet-point rule as `compact`.
   */
  async blankText(seqs: readonly number[]): Promise<number> {
    const flags = seqs.flatMap((seq) => this.index.flagOf(seq) ?? []);
    if (flags.length === 0) return 0;
    await this.tail.sync();
    const buf = (await fsp.readFile(this.file)).subarray(0, this.tail.end);
    const changed = blankQueueLines(buf, flags);
    if (changed === 0) return 0;
    await writeDurably(this.disk, this.file, buf, { copy: `${this.file}${COMPACTION_COPY_SUFFIX}` });
    await this.tail.close();
    this.tail.startOver(await openReadWrite(this.file, this.disk), buf.length);
    return changed;
  }

  async close(): Promise<void> {
    await this.tail.close();
  }
}

/** Positional writes (the in-place flag) are ignored on files opened for append on Linux: opened r+. */
async function openReadWrite(file: string, disk: Disk): Promise<DiskFile> {
  await (await openCreating(disk, file, 'a')).close();
  return disk.open(file, 'r+');
}

function decoded(line: string): QueueLine {
  const d = decodeQueueLine(line.slice(0, -1));
  if (!d.ok) throw new Error(`refusing to append a bad queue record: ${d.reason}`);
  return d.value;
}
