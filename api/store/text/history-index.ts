import type { HistoryRecord } from './records.js';
import { insertRef, refUpperBound, upperBound } from './sorted-search.js';
import type { SearchIndex } from './text-search-index.js';
import type { UnreadableMessage } from './unreadable-message.js';

/** Where a record sits in the file, to read it back with one positioned read. */
export interface RecordRef {
  seq: number;
  offset: number;
  length: number;
  /** A damaged line shown as a placeholder (`HistoryIndex.unreadable`), never read from the file. */
  unreadable?: true;
}

interface PeerIndex {
  /** Every message with this peer, both directions, in order. */
  messages: RecordRef[];
  /** Sequence numbers of the messages the peer sent to this user, in order (for unread counts). */
  incoming: number[];
}

/**
 * What answers queries about one user's history without reading the file again: positions of the stream
 * events and messages, per conversation, read marks, the clientIds the user sent, edits, deletes and hides,
 * and, once the user has searched, every message's words. Built as the file loads, then kept current as
 * records are appended (user-history.ts, the file itself, is one).
 */
export class HistoryIndex {
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
  /**
   * Every message's words, for search (issue #18): none until the user's first search builds them
   * (UserHistory.searchIndex), then kept current here.
   */
  protected words: SearchIndex | undefined;
  /** Sequence number of the last record: appends only go above it. */
  lastSeq = 0;

  constructor(readonly username: string) {}

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
    this.words?.add(record);
  }

  /**
   * Puts the placeholder for a damaged line at `offset` in its place (unreadable-message.ts): in `messages`,
   * and in its conversation when the line shows one; never in `events` (the stream).
   */
  placeUnreadable(u: UnreadableMessage, offset: number, length: number): void {
    this.unreadable.set(u.seq, u);
    const ref: RecordRef = { seq: u.seq, offset, length, unreadable: true };
    insertRef(this.messages, ref);
    if (u.peer !== undefined) insertRef(this.peer(u.peer).messages, ref);
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
