import type { promises } from 'node:fs';
import { nodeDisk, type Disk } from './disk.js';
import { loadRecordFile, type Damage } from './line-file.js';
import { decodeHistory, type HistoryRecord } from './records.js';

/** Where a record sits in the file, to read it back with one positioned read. */
export interface RecordRef {
  seq: number;
  offset: number;
  length: number;
}

interface PeerIndex {
  /** Every message with this peer, both directions, in order. */
  messages: RecordRef[];
  /** Sequence numbers of the messages the peer sent to this user, in order (for unread counts). */
  incoming: number[];
}

/**
 * One user's history file, `historico/history_{user}.txt`, and what answers queries about it without reading
 * it again: positions of the stream events and messages, per conversation, read marks, and the clientIds the
 * user sent. The file is the user's stream: messages sent and received, and the status changes of the
 * messages they sent, in sequence order.
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
  /** clientId -> the message this user sent with it (idempotent retries). */
  readonly sentByClientId = new Map<string, RecordRef>();
  /** Sequence number of the last record: appends only go above it. */
  lastSeq = 0;
  private size = 0;

  private constructor(
    readonly username: string,
    readonly path: string,
    private readonly handle: promises.FileHandle,
  ) {}

  static async open(
    username: string,
    path: string,
    disk: Disk = nodeDisk,
  ): Promise<{ history: UserHistory; tornBytes: number; damage: Damage[] }> {
    const loaded = await loadRecordFile(path, decodeHistory);
    const history = new UserHistory(username, path, await disk.open(path, 'a+'));
    for (const r of loaded.records) history.index(r.value, r.offset, r.length);
    history.size = loaded.validEnd;
    return { history, tornBytes: loaded.tornBytes, damage: loaded.damage };
  }

  /**
   * Appends encoded record lines (already committed in the journal) and indexes them. Lines at or below
   * `lastSeq` are skipped: that is what makes a journal replay idempotent.
   */
  async append(lines: readonly string[]): Promise<void> {
    const fresh: { record: HistoryRecord; bytes: number }[] = [];
    let data = '';
    for (const line of lines) {
      const d = decodeHistory(line.slice(0, -1));
      if (!d.ok) throw new Error(`refusing to append a bad history record: ${d.reason}`);
      if (d.value.seq <= this.lastSeq) continue;
      fresh.push({ record: d.value, bytes: Buffer.byteLength(line) });
      data += line;
    }
    if (data === '') return;
    const buf = Buffer.from(data);
    await this.handle.write(buf, 0, buf.length);
    let offset = this.size;
    for (const f of fresh) {
      this.index(f.record, offset, f.bytes);
      offset += f.bytes;
    }
    this.size += buf.length;
  }

  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /** Reads the records between two refs (inclusive), decoded; a damaged line in between is skipped. */
  async read(from: RecordRef, to: RecordRef): Promise<HistoryRecord[]> {
    const length = to.offset + to.length - from.offset;
    const buf = Buffer.alloc(length);
    await this.handle.read(buf, 0, length, from.offset);
    const out: HistoryRecord[] = [];
    for (const line of buf.toString('utf8').split('\n')) {
      if (line === '') continue;
      const d = decodeHistory(line);
      if (d.ok) out.push(d.value);
    }
    return out;
  }

  async readOne(ref: RecordRef): Promise<HistoryRecord | undefined> {
    return (await this.read(ref, ref))[0];
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
        break;
      case 'rd':
        if (record.upTo > (this.readUpTo.get(record.peer) ?? 0)) this.readUpTo.set(record.peer, record.upTo);
        break;
    }
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

/** Index of the first number greater than `value` in an ascending array. */
export const upperBound = (sorted: readonly number[], value: number): number => firstAbove(sorted, value, (n) => n);

/** Index of the first ref whose seq is greater than `value`. */
export const refUpperBound = (refs: readonly RecordRef[], value: number): number => firstAbove(refs, value, (r) => r.seq);
