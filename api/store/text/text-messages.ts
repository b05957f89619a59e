import type { Conversation, Message, MessageStatus, StreamEvent } from '../../contract.js';
import { AppError } from '../../errors.js';
import type { AppendResult, HistoryPage, HistoryQuery, MessageRepository, NewMessage, Seq, StreamPage } from '../store.js';
import { appendHistory, appendQueued, type WriteOp } from './journal.js';
import { encodeHistory, messageId, parseMessageId, type HistoryRecord } from './records.js';
import type { TextStore } from './text-store.js';
import { refUpperBound, upperBound, type RecordRef, type UserHistory } from './user-history.js';

type MessageRecord = Extract<HistoryRecord, { kind: 'msg' }>;

/**
 * Messages, streams, receipts and history on the text files. Each write is one journal batch (queue line +
 * both history lines for a send; flags + status records for an acknowledgement), so it lands whole or not
 * at all, and readers only see it once it is committed.
 */
export class TextMessages implements MessageRepository {
  /** Sends with a clientId on their way to the disk: a concurrent retry waits for the original. */
  private readonly sending = new Map<string, Promise<AppendResult>>();
  /** Messages whose delivery is being written, so two devices acknowledging at once write it once. */
  private readonly delivering = new Set<number>();
  /** Read marks being written, per `user\0peer`. */
  private readonly reading = new Map<string, number>();

  constructor(
    private readonly store: TextStore,
    readonly epoch: string,
  ) {}

  committedSeq(): Seq {
    return this.store.state.seq.committed;
  }

  async append(m: NewMessage): Promise<AppendResult> {
    const [sender] = await Promise.all([this.store.history(m.from), this.store.history(m.to)]);
    if (m.clientId === undefined) return this.write(m);
    const key = `${m.from}\u0000${m.clientId}`;
    const inFlight = this.sending.get(key);
    if (inFlight) return retryOf((await inFlight).message, m);
    const ref = sender.sentByClientId.get(m.clientId);
    if (ref) {
      const [original] = await sender.records([ref]);
      if (original?.kind === 'msg') return retryOf(this.toMessage(sender, original), m);
    }
    const write = this.write(m);
    this.sending.set(key, write);
    try {
      return await write;
    } finally {
      this.sending.delete(key);
    }
  }

  async readStream(user: string, after: Seq, limit: number): Promise<StreamPage> {
    const h = await this.store.history(user);
    const first = refUpperBound(h.events, after);
    // A batch is indexed before its data-file writes end, and its numbers count as committed only after them:
    // an event above `committed` would give a cursor the next poll is refused (410) for; its wake-up comes.
    const end = Math.min(first + limit, refUpperBound(h.events, this.store.state.seq.committed));
    const refs = h.events.slice(first, end);
    const last = refs.at(-1);
    if (!last) return { events: [], last: after };
    const records = await h.records(refs);
    const events = records.flatMap((r): StreamEvent[] => {
      if (r.kind === 'msg') return [{ type: 'message', message: this.toMessage(h, r) }];
      if (r.kind === 'st') return [{ type: 'status', id: messageId(r.messageSeq), status: r.status, at: r.at }];
      return [];
    });
    return { events, last: last.seq };
  }

  async startPosition(user: string): Promise<Seq> {
    const { queue, seq } = this.store.state;
    const first = queue.firstUndelivered(user);
    return first === undefined ? seq.committed : first - 1;
  }

  async acknowledge(user: string, upTo: Seq): Promise<void> {
    const recipient = await this.store.history(user);
    // From here to the submit nothing awaits: two devices acknowledging at once cannot both pick a message.
    const { queue } = this.store.state;
    const seqs = queue.undeliveredUpTo(user, upTo).filter((s) => !this.delivering.has(s));
    if (seqs.length === 0) return;
    const at = this.store.now().toISOString();
    const ops: WriteOp[] = [];
    const senders = new Set<string>();
    for (const messageSeq of seqs) {
      const from = queue.senderOf(messageSeq);
      if (from === undefined) continue;
      ops.push({ kind: 'flip', seq: messageSeq });
      senders.add(from);
      // Already read (the reader saw it in the history first): a later "delivered" would go backwards.
      if (messageSeq <= (recipient.readUpTo.get(from) ?? 0)) continue;
      const record: HistoryRecord = { kind: 'st', seq: this.nextSeq(), at, messageSeq, status: 'delivered', peer: user };
      ops.push(appendHistory(from, record));
    }
    for (const s of seqs) this.delivering.add(s);
    try {
      await this.commit(ops, [...senders]);
    } finally {
      for (const s of seqs) this.delivering.delete(s);
    }
  }

  async markRead(user: string, peer: string, upToId: string): Promise<void> {
    const h = await this.store.history(user);
    const upTo = parseMessageId(upToId);
    const messages = h.peers.get(peer)?.messages ?? [];
    const i = upTo === undefined ? -1 : refUpperBound(messages, upTo) - 1;
    if (upTo === undefined || messages[i]?.seq !== upTo) {
      throw new AppError('message_not_found', `there is no message ${JSON.stringify(upToId)} in your conversation with ${peer}`);
    }
    const key = `${user}\u0000${peer}`;
    const previous = Math.max(h.readUpTo.get(peer) ?? 0, this.reading.get(key) ?? 0);
    const incoming = h.peers.get(peer)?.incoming ?? [];
    const newlyRead = incoming.slice(upperBound(incoming, previous), upperBound(incoming, upTo));
    if (newlyRead.length === 0) return;
    const at = this.store.now().toISOString();
    const ops: WriteOp[] = [appendHistory(user, { kind: 'rd', seq: this.nextSeq(), at, peer, upTo })];
    for (const messageSeq of newlyRead) {
      const record: HistoryRecord = { kind: 'st', seq: this.nextSeq(), at, messageSeq, status: 'read', peer: user };
      ops.push(appendHistory(peer, record));
    }
    this.reading.set(key, upTo);
    try {
      await this.commit(ops, [peer, user]);
    } finally {
      if (this.reading.get(key) === upTo) this.reading.delete(key);
    }
  }

  async history(user: string, query: HistoryQuery): Promise<HistoryPage> {
    const h = await this.store.history(user);
    const refs = query.with === undefined ? h.messages : (h.peers.get(query.with)?.messages ?? []);
    let end = refs.length;
    if (query.before !== undefined) {
      const before = parseMessageId(query.before);
      if (before === undefined) throw new AppError('invalid_cursor', '"before" must be a cursor from a previous history page');
      end = refUpperBound(refs, before - 1);
    }
    const start = Math.max(0, end - query.limit);
    const page = refs.slice(start, end);
    const records = await h.records(page);
    return {
      messages: records.flatMap((r) => (r.kind === 'msg' ? [this.toMessage(h, r)] : [])),
      before: start > 0 && page[0] ? String(page[0].seq) : null,
    };
  }

  async conversations(user: string): Promise<Conversation[]> {
    const h = await this.store.history(user);
    const rows: { peer: string; last: RecordRef }[] = [];
    for (const [peer, p] of h.peers) {
      const last = p.messages.at(-1);
      if (last) rows.push({ peer, last });
    }
    rows.sort((a, b) => b.last.seq - a.last.seq);
    const out: Conversation[] = [];
    for (const row of rows) {
      const [record] = await h.records([row.last]);
      if (record?.kind === 'msg') out.push({ with: row.peer, last: this.toMessage(h, record), unread: h.unreadFrom(row.peer) });
    }
    return out;
  }

  private async write(m: NewMessage): Promise<AppendResult> {
    const seq = this.nextSeq();
    const sentAt = this.store.now().toISOString();
    const record: MessageRecord = { kind: 'msg', seq, sentAt, from: m.from, to: m.to, content: m.content, clientId: m.clientId };
    const line = encodeHistory(record);
    await this.commit(
      [appendQueued({ ...record, delivered: false }), appendHistory(m.from, record, line), appendHistory(m.to, record, line)],
      [m.from, m.to],
    );
    return { kind: 'created', message: wireMessage(record, 'sent') };
  }

  /** Submits one batch; once applied, the sequence numbers in it are committed and the streams woken. */
  private commit(ops: WriteOp[], wake: string[]): Promise<void> {
    const state = this.store.state;
    const highest = state.seq.assigned;
    return state.committer.submit(ops, () => {
      state.seq.committed = Math.max(state.seq.committed, highest);
      this.store.notify(wake);
    });
  }

  private nextSeq(): number {
    return ++this.store.state.seq.assigned;
  }

  private toMessage(viewer: UserHistory, r: MessageRecord): Message {
    return wireMessage(r, this.statusFor(viewer, r));
  }

  /** Status from the marks (docs/storage.md): read marks per conversation, delivery a prefix per recipient. */
  private statusFor(viewer: UserHistory, r: MessageRecord): MessageStatus {
    const mine = r.from === viewer.username;
    const readUpTo = mine ? viewer.peerReadUpTo.get(r.to) : viewer.readUpTo.get(r.from);
    if (readUpTo !== undefined && r.seq <= readUpTo) return 'read';
    return this.store.state.queue.isDelivered(r.to, r.seq) ? 'delivered' : 'sent';
  }
}

function wireMessage(r: MessageRecord, status: MessageStatus): Message {
  const message: Message = { id: messageId(r.seq), from: r.from, to: r.to, content: r.content, sentAt: r.sentAt, status };
  if (r.clientId !== undefined) message.clientId = r.clientId;
  return message;
}

/** A send whose clientId was used before: the same message again (200), or a conflict (409). */
function retryOf(original: Message, attempt: NewMessage): AppendResult {
  const same = original.to === attempt.to && original.content === attempt.content;
  return { kind: same ? 'duplicate' : 'conflict', message: original };
}
