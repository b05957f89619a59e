import { promises as fsp, type promises } from 'node:fs';
import path from 'node:path';
import { nodeDisk, type Disk } from './disk.js';
import { loadRecordFile, scanRecords, type Damage } from './line-file.js';
import { decodeQueue, decodeQueueLine, encodeQueue, type QueueRecord } from './records.js';

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

interface QueueEntry {
  from: string;
  to: string;
  /** Absolute byte offset of the delivered flag in the file. */
  flagAt: number;
  delivered: boolean;
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
 */
export class MessageQueue {
  private readonly entries = new Map<number, QueueEntry>();
  private readonly undelivered = new Map<string, number[]>();
  private size = 0;
  private deliveredCount = 0;
  maxSeq = 0;

  private constructor(
    readonly file: string,
    private handle: promises.FileHandle,
    private readonly disk: Disk,
  ) {}

  static async open(file: string, disk: Disk = nodeDisk): Promise<{ queue: MessageQueue; tornBytes: number; damage: Damage[] }> {
    const loaded = await loadRecordFile(file, decodeQueueLine);
    // Positional writes (the in-place flag) are ignored on files opened for append on Linux: use r+.
    const queue = new MessageQueue(file, await openReadWrite(file, disk), disk);
    for (const r of loaded.records) queue.index(r.value.record, r.offset + r.value.flagOffset);
    queue.size = loaded.validEnd;
    return { queue, tornBytes: loaded.tornBytes, damage: loaded.damage };
  }

  /** The oldest message not yet delivered to `user`, if any. */
  firstUndelivered(user: string): number | undefined {
    return this.undelivered.get(user)?.[0];
  }

  senderOf(seq: number): string | undefined {
    return this.entries.get(seq)?.from;
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
    return { total: this.entries.size, delivered: this.deliveredCount };
  }

  /** Appends committed queue lines; lines whose message is already here are skipped (journal replay). */
  async append(lines: readonly string[]): Promise<void> {
    const fresh: { record: QueueRecord; bytes: number; flag: number }[] = [];
    let data = '';
    for (const line of lines) {
      const d = decodeQueueLine(line.slice(0, -1));
      if (!d.ok) throw new Error(`refusing to append a bad queue record: ${d.reason}`);
      const { record, flagOffset } = d.value;
      if (this.entries.has(record.seq) || record.seq <= this.maxSeq) continue;
      fresh.push({ record, bytes: Buffer.byteLength(line), flag: flagOffset });
      data += line;
    }
    if (data === '') return;
    const buf = Buffer.from(data);
    await this.handle.write(buf, 0, buf.length, this.size);
    let offset = this.size;
    for (const f of fresh) {
      this.index(f.record, offset + f.flag);
      offset += f.bytes;
    }
    this.size += buf.length;
  }

  /** Sets the delivered flag of a message in place (one byte: it cannot tear). Idempotent. */
  async markDelivered(seq: number): Promise<void> {
    const entry = this.entries.get(seq);
    if (!entry || entry.delivered) return;
    await this.handle.write(Buffer.from('1'), 0, 1, entry.flagAt);
    entry.delivered = true;
    this.deliveredCount++;
    const list = this.undelivered.get(entry.to);
    if (list) {
      const i = list.indexOf(seq);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.undelivered.delete(entry.to);
    }
  }

  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  /**
   * Rewrites the queue without its delivered messages. Must not run while a batch is being applied (the
   * text store runs it through the committer's quiet point).
   */
  async compact(hooks: CompactionHooks = {}): Promise<number> {
    const removed = this.deliveredCount;
    if (removed === 0) return 0;
    const tmp = `${this.file}.compact`;
    const buf = await fsp.readFile(this.file);
    const loaded = scanRecords(this.file, buf, decodeQueue);
    const keep = loaded.records.filter((r) => !this.entries.get(r.value.seq)?.delivered);
    await hooks.afterStep?.('read');
    await fsp.writeFile(tmp, keep.map((r) => encodeQueue(r.value).line).join(''));
    await hooks.afterStep?.('written');
    const tmpHandle = await fsp.open(tmp, 'r+');
    await tmpHandle.datasync();
    await tmpHandle.close();
    await hooks.afterStep?.('synced');
    await fsp.rename(tmp, this.file);
    await hooks.afterStep?.('renamed');
    await syncFolder(path.dirname(this.file));
    await hooks.afterStep?.('folder-synced');
    await this.handle.close();
    this.handle = await openReadWrite(this.file, this.disk);
    this.entries.clear();
    this.undelivered.clear();
    this.deliveredCount = 0;
    const maxSeq = this.maxSeq;
    let offset = 0;
    for (const r of keep) {
      const { line, flagOffset } = encodeQueue(r.value);
      this.index(r.value, offset + flagOffset);
      offset += Buffer.byteLength(line);
    }
    this.size = offset;
    this.maxSeq = maxSeq;
    return removed;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private index(record: QueueRecord, flagAt: number): void {
    this.entries.set(record.seq, { from: record.from, to: record.to, flagAt, delivered: record.delivered });
    this.maxSeq = Math.max(this.maxSeq, record.seq);
    if (record.delivered) {
      this.deliveredCount++;
      return;
    }
    const list = this.undelivered.get(record.to);
    if (list) list.push(record.seq);
    else this.undelivered.set(record.to, [record.seq]);
  }
}

async function openReadWrite(file: string, disk: Disk): Promise<promises.FileHandle> {
  await (await fsp.open(file, 'a')).close();
  return disk.open(file, 'r+');
}

/** fsyncs a folder, so a rename or a new file in it survives a crash. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await fsp.open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
