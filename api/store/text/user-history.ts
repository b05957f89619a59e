import { promises as fsp } from 'node:fs';
import { nodeDisk, openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';
import { blankLines, blankRecord, type BlankRef } from './history-scrub.js';
import { loadRecordFile, type Damage, type LoadedRecord } from './line-file.js';
import { decodeHistory, type HistoryRecord } from './records.js';
import { SearchIndex } from './text-search-index.js';
import { neighbour, unreadableMessage, type UnreadableMessage } from './unreadable-message.js';

/** Where a record sits in the file, to read it back with one positioned read. */
export interface RecordRef {
  seq: number;
  offset: number;
  length: number;
  /** A damaged line shown as a placeholder (`UserHistory.unreadable`), never read from the file. */
  unreadable?: true;
}

interface PeerIndex {
  /** Every message with this peer, both directions, in order. */
  messages: RecordRef[];
  /** Sequence numbers of the messages the peer sent to this user, in order (for unread counts). */
  incoming: number[];
}

/** Reading a page as one range is cheaper than one read per record, unless the records are far apart. */
const MAX_RANGE_READ = 256 * 1024;

/**
 * One user's history file, `historico/history_{user}.txt`, and what answers queries about it without reading
 * it again: positions of the stream events and messages, per conversation, read marks, and the clientIds the
 * user sent. The file is the user's stream: messages sent and received, and the status changes of the
 * messages they sent, in sequence order.
 *
 * The records appended since the last checkpoint are also kept decoded (the tail): a poll answer is nearly
 * always about what was just appended, and reading it back from the file cost a positioned read and a decode
 * per answer (issue #4). The checkpoint, which syncs the file, drops the tail, so it never holds more than
 * the last second or so of traffic.
 */
export class UserHistory {
  /** Stream events (messages and status records), in order. */
  readonly events: RecordRef[] = [];
  /** Messages only, in order. */
  readonly messages: RecordRef[] = [];
  readonly peers = new Map<string, PeerIndex>();
  /** Up to which message of each peer this user has read. */
  readonly readUpTo = new Map<string, number>();
  /** Up to which of this user's messages each peer has read. */
  readonly peerReadUpTo = new Map<string, number>();
  /**
   * Up to which of this user's messages each peer has had delivered, from the `st` records: the status of
   * messages to a deleted account, whose queue went with it (issue #17).
   */
  readonly peerDeliveredUpTo = new Map<string, number>();
  /** clientId -> the message this user sent with it (idempotent retries). */
  readonly sentByClientId = new Map<string, RecordRef>();
  /** Placeholders for damaged message lines, by their position; their refs are in `messages` (issue #15). */
  readonly unreadable = new Map<number, UnreadableMessage>();
  /** message seq -> its `ed` records, oldest first (issue #18). */
  readonly edits = new Map<number, RecordRef[]>();
  /** message seq -> where the `del` record that deleted it for everyone is. */
  readonly deleted = new Map<number, RecordRef>();
  /** Messages this user hid in their own history (delete for me). */
  readonly hidden = new Set<number>();
  /** Deleted messages whose text this file still held when it was opened (deleted-text-scrub.ts). */
  leftovers: number[] = [];
  /** Edited messages whose replaced text (the `msg` line's, an earlier `ed` line's) this file still held when opened. */
  editLeftovers: number[] = [];
  /** Every message's words, for search (issue #18): built as the file loads, then kept current. */
  readonly searchIndex = new SearchIndex();
  /** Sequence number of the last record: appends only go above it. */
  lastSeq = 0;
  /** Bytes of the file, with what is appended but not written yet. */
  private size = 0;
  /** Lines appended and indexed but not written to the file yet (the checkpoint writes them). */
  private unwritten = '';
  /** Records appended since the last checkpoint, in order, and the file offset where the first one starts. */
  private tail: HistoryRecord[] = [];
  private tailStart = 0;
  /**
   * The file, opened on the first write or read of it: most users' first poll finds nothing to read, and
   * thousands of idle polls need not hold a file descriptor each (issue #4).
   */
  private opened: Promise<DiskFile> | undefined;
  /** A rewrite of the file in progress (`rewriteBlanking`): a checkpoint's write waits for it. */
  private rewriting: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly username: string,
    readonly path: string,
    private readonly disk: Disk,
  ) {}

  static async open(
    username: string,
    path: string,
    disk: Disk = nodeDisk,
  ): Promise<{ history: UserHistory; tornBytes: number; damage: Damage[] }> {
    const loaded = await loadRecordFile(path, decodeHistory, disk);
    const history = new UserHistory(username, path, disk);
    for (const r of loaded.records) history.index(r.value, r.offset, r.length);
    history.searchIndex.seal();
    if (loaded.damage.length > 0) await history.placeUnreadable(loaded.records, loaded.damage);
    if (history.deleted.size > 0) {
      // A crash between a delete and the rewrite that blanks it: the text is still in the file (issue #18).
      const left = new Set<number>();
      for (const { value: r } of loaded.records) {
        const seq = r.kind === 'msg' ? r.seq : r.kind === 'ed' ? r.messageSeq : 0;
        if (history.deleted.has(seq) && blankRecord(r) !== r) left.add(seq);
      }
      history.leftovers = [...left];
    }
    if (history.edits.size > 0) history.editLeftovers = replacedTextLeft(history, loaded.records);
    history.size = loaded.validEnd;
    history.tailStart = loaded.validEnd;
    return { history, tornBytes: loaded.tornBytes, damage: loaded.damage };
  }

  /**
   * Indexes record lines (already committed in the journal) and keeps them for the checkpoint to write: the
   * journal makes them durable, the tail answers reads of them, so writing each batch to every history it
   * touches bought nothing but a write per message per side (issue #4). A line comes with its record when
   * it was made in this process, and is decoded otherwise (journal replay).
   * Lines at or below `lastSeq` are skipped: that is what makes a journal replay idempotent.
   */
  append(appends: readonly { line: string; history?: HistoryRecord }[]): void {
    for (const { line, history } of appends) {
      const record = history ?? decoded(line);
      if (record.seq <= this.lastSeq) continue;
      const bytes = Buffer.byteLength(line);
      this.index(record, this.size, bytes);
      this.tail.push(record);
      this.unwritten += line;
      this.size += bytes;
    }
  }

  /**
   * The checkpoint: writes what was appended since the last one, in one write, and fdatasyncs it. Lines
   * appended while it runs are left for the next one, and the tail keeps them until then.
   */
  async sync(): Promise<void> {
    await this.rewriting;
    const data = this.unwritten;
    const end = this.size;
    const written = this.tail.length;
    this.unwritten = '';
    const file = await this.handle();
    if (data !== '') await file.write(data);
    await file.datasync();
    this.tail = this.tail.slice(written);
    this.tailStart = end;
  }

  async close(): Promise<void> {
    await this.rewriting;
    const handle = await this.opened?.catch(() => undefined);
    await handle?.close();
  }

  /**
   * Rewrites the file with the text of the records at `refs` blanked (history-scrub.ts): a new file, fsync,
   * rename, fsync of the folder, so a crash leaves the old file or the new one. The lines keep their length,
   * so every offset in memory stays true. Only records already in the file are blanked: the caller asks again
   * for the others after the next checkpoint. Returns how many lines changed. Must not run beside `sync`
   * (the text store runs it at the committer's quiet point).
   */
  async rewriteBlanking(refs: readonly (RecordRef & BlankRef)[]): Promise<number> {
    const work = this.rewriting.then(async () => {
      const end = this.writtenBytes;
      const buf = await fsp.readFile(this.path);
      const changed = blankLines(
        buf,
        refs.filter((r) => !r.unreadable && r.offset + r.length <= Math.min(end, buf.length)),
      );
      if (changed === 0) return 0;
      await writeDurably(this.disk, this.path, buf);
      // The old descriptor names the old file: reads begun on it may still use it, so it is closed a moment later.
      const old = this.opened;
      this.opened = undefined;
      setTimeout(() => void old?.then((h) => h.close()).catch(() => undefined), 2000).unref();
      // Records of the tail are answered from memory: they must not keep the text either.
      this.tail = this.tail.map((r) => {
        const ref = refs.find((b) => b.seq === r.seq);
        return ref ? blankRecord(r, ref.keepAttachments) : r;
      });
      return changed;
    });
    this.rewriting = work.then(
      () => undefined,
      () => undefined,
    );
    return work;
  }

  /**
   * The records at `refs` (ascending), in order: the tail's from memory, older ones with positioned reads.
   * Placeholders (`unreadable`) are left out: they have no record.
   */
  async records(all: readonly RecordRef[]): Promise<HistoryRecord[]> {
    const refs = all.some((r) => r.unreadable) ? all.filter((r) => !r.unreadable) : all;
    let split = refs.length;
    while (split > 0 && (refs[split - 1]?.offset ?? 0) >= this.tailStart) split--;
    // Taken before any await: a checkpoint may drop the tail meanwhile.
    const fromTail = refs.slice(split).flatMap((ref) => {
      const record = this.tail[firstAbove(this.tail, ref.seq - 1, (r) => r.seq)];
      return record?.seq === ref.seq ? [record] : [];
    });
    if (split === 0) return fromTail;
    return [...(await this.readFile(refs.slice(0, split))), ...fromTail];
  }

  /**
   * Puts a placeholder where each damaged line in the middle of the file was (unreadable-message.ts), in
   * `messages` and in its conversation when the line shows one; never in `events` (the stream).
   */
  private async placeUnreadable(records: readonly LoadedRecord<HistoryRecord>[], damage: readonly Damage[]): Promise<void> {
    const file = await fsp.open(this.path, 'r');
    try {
      let next = 0;
      let placed: UnreadableMessage | undefined;
      for (const d of damage) {
        const gap = next;
        while (next < records.length && (records[next]?.offset ?? 0) < d.offset) next++;
        const after = records[next];
        if (!after) continue;
        if (next !== gap) placed = undefined;
        const before = records[next - 1];
        const buf = Buffer.alloc(d.length);
        await file.read(buf, 0, d.length, d.offset);
        const previous = placed ? { seq: placed.seq, at: placed.sentAt } : before && neighbour(before.value);
        const u = unreadableMessage(this.username, buf.toString('utf8').replace(/\n$/, ''), previous, neighbour(after.value));
        if (!u) continue;
        placed = u;
        this.unreadable.set(u.seq, u);
        const ref: RecordRef = { seq: u.seq, offset: d.offset, length: d.length, unreadable: true };
        insertRef(this.messages, ref);
        if (u.peer !== undefined) insertRef(this.peer(u.peer).messages, ref);
      }
    } finally {
      await file.close();
    }
  }

  private handle(): Promise<DiskFile> {
    // A failed open is tried again next time rather than remembered.
    this.opened ??= openCreating(this.disk, this.path, 'a+').catch((err: unknown) => {
      this.opened = undefined;
      throw err;
    });
    return this.opened;
  }

  /** Records that are in the file, with one read when they sit close together; a damaged line is skipped. */
  private async readFile(refs: readonly RecordRef[]): Promise<HistoryRecord[]> {
    const first = refs[0];
    const last = refs.at(-1);
    if (!first || !last) return [];
    if (last.offset + last.length - first.offset > MAX_RANGE_READ && refs.length > 1) {
      return (await Promise.all(refs.map((r) => this.readFile([r])))).flat();
    }
    const length = last.offset + last.length - first.offset;
    const buf = Buffer.alloc(length);
    await (await this.handle()).read(buf, 0, length, first.offset);
    const wanted = new Set(refs.map((r) => r.seq));
    const out: HistoryRecord[] = [];
    for (const line of buf.toString('utf8').split('\n')) {
      if (line === '') continue;
      const d = decodeHistory(line);
      if (d.ok && wanted.has(d.value.seq)) out.push(d.value);
    }
    return out;
  }

  /** Adds a record that is in the file at `offset` to the in-memory indexes. */
  index(record: HistoryRecord, offset: number, length: number): void {
    const ref: RecordRef = { seq: record.seq, offset, length };
    this.lastSeq = Math.max(this.lastSeq, record.seq);
    switch (record.kind) {
      case 'msg': {
        const peer = record.from === this.username ? record.to : record.from;
        this.events.push(ref);
        this.messages.push(ref);
        const p = this.peer(peer);
        p.messages.push(ref);
        if (record.from !== this.username) p.incoming.push(record.seq);
        else if (record.clientId !== undefined) this.sentByClientId.set(record.clientId, ref);
        break;
      }
      case 'st':
        this.events.push(ref);
        if (record.status === 'read' && record.messageSeq > (this.peerReadUpTo.get(record.peer) ?? 0)) {
          this.peerReadUpTo.set(record.peer, record.messageSeq);
        }
        if (record.status === 'delivered' && record.messageSeq > (this.peerDeliveredUpTo.get(record.peer) ?? 0)) {
          this.peerDeliveredUpTo.set(record.peer, record.messageSeq);
        }
        break;
      case 'rd':
        if (record.upTo > (this.readUpTo.get(record.peer) ?? 0)) this.readUpTo.set(record.peer, record.upTo);
        break;
      case 'ed':
        this.events.push(ref);
        this.edits.set(record.messageSeq, [...(this.edits.get(record.messageSeq) ?? []), ref]);
        break;
      case 'del':
        this.events.push(ref);
        this.deleted.set(record.messageSeq, ref);
        break;
      case 'hd':
        this.events.push(ref);
        this.hidden.add(record.messageSeq);
        break;
    }
    this.searchIndex.add(record);
  }

  /**
   * The lines of edited message `seq` whose text the latest edit replaced (issue #18): its `msg` line (text
   * only) and every `ed` line but the last. Undefined while the last `ed` is not in the file yet (the next
   * checkpoint writes it), or when the message has no edit or is deleted (the delete scrub takes it all).
   */
  replacedTextRefs(seq: number): (RecordRef & BlankRef)[] | undefined {
    const edits = this.edits.get(seq);
    const last = edits?.at(-1);
    if (!edits || !last || this.deleted.has(seq)) return undefined;
    if (last.offset + last.length > this.writtenBytes) return undefined;
    const msg = this.messageRef(seq);
    return [...(msg && !msg.unreadable ? [{ ...msg, keepAttachments: true }] : []), ...edits.slice(0, -1)];
  }

  /** Whether `ref` is the latest edit of its message: a stream skips the others, whose text is gone (issue #18). */
  isLatestEdit(messageSeq: number, seq: number): boolean {
    return this.edits.get(messageSeq)?.at(-1)?.seq === seq;
  }

  /** The ref of message `seq` in this history, placeholders included. */
  messageRef(seq: number): RecordRef | undefined {
    const ref = this.messages[refUpperBound(this.messages, seq) - 1];
    return ref?.seq === seq ? ref : undefined;
  }

  /** Bytes of the file that are written (the rest, appended since, waits in memory for the checkpoint). */
  get writtenBytes(): number {
    return this.size - Buffer.byteLength(this.unwritten);
  }

  /** Messages from `peer` this user has not read yet. */
  unreadFrom(peer: string): number {
    const incoming = this.peers.get(peer)?.incoming ?? [];
    return incoming.length - upperBound(incoming, this.readUpTo.get(peer) ?? 0);
  }

  private peer(name: string): PeerIndex {
    let p = this.peers.get(name);
    if (!p) {
      p = { messages: [], incoming: [] };
      this.peers.set(name, p);
    }
    return p;
  }
}

/** Index of the first item whose key is greater than `value`, in items sorted by that key. */
function firstAbove<T>(items: readonly T[], value: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const item = items[mid];
    if (item !== undefined && key(item) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Edited messages (not deleted) whose replaced text is still in `records`: a crash before the scrub ended. */
function replacedTextLeft(h: UserHistory, records: readonly LoadedRecord<HistoryRecord>[]): number[] {
  const left = new Set<number>();
  for (const { value: r } of records) {
    if (r.kind === 'msg' && h.edits.has(r.seq) && !h.deleted.has(r.seq) && blankRecord(r, true) !== r) left.add(r.seq);
    if (r.kind === 'ed' && !h.deleted.has(r.messageSeq) && !h.isLatestEdit(r.messageSeq, r.seq) && blankRecord(r) !== r)
      left.add(r.messageSeq);
  }
  return [...left];
}

function insertRef(refs: RecordRef[], ref: RecordRef): void {
  refs.splice(refUpperBound(refs, ref.seq), 0, ref);
}

/** Index of the first number greater than `value` in an ascending array. */
export const upperBound = (sorted: readonly number[], value: number): number => firstAbove(sorted, value, (n) => n);

/** Index of the first ref whose seq is greater than `value`. */
export const refUpperBound = (refs: readonly RecordRef[], value: number): number => firstAbove(refs, value, (r) => r.seq);

function decoded(line: string): HistoryRecord {
  const d = decodeHistory(line.slice(0, -1));
  if (!d.ok) throw new Error(`refusing to append a bad history record: ${d.reason}`);
  return d.value;
}
