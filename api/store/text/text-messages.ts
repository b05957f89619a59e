import type { MessageStatus } from '../../contract.js';
import type {
  AppendResult,
  ChangeOutcome,
  MessageChange,
  ExportedStoredMessage,
  ExportPage,
  SearchPage,
  SearchQuery,
  HistoryPage,
  HistoryQuery,
  MessageRepository,
  NewMessage,
  Seq,
  StoredConversation,
  StoredEvent,
  StoredMessage,
  StreamPage,
  TokenKey,
  MarkReadOutcome,
  AcknowledgeOutcome,
} from '../store.js';
import { appendHistory, appendQueued, type WriteOp } from './journal.js';
import { encodeHistory, type HistoryRecord, type MessageRecord } from './records.js';
import type { TextContext } from './text-context.js';
import { TextMessageChanges } from './text-message-changes.js';
import { TextSearch } from './text-search.js';
import type { RecordRef } from './history-index.js';
import { refUpperBound, upperBound } from './sorted-search.js';
import type { UserHistory } from './user-history.js';
import { must } from '../../assert.js';

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

  private readonly changes: TextMessageChanges;
  private readonly searching: TextSearch;

  constructor(
    /** The text store as its repositories see it (text-context.ts). */
    private readonly store: TextContext,
    readonly epoch: string,
  ) {
    this.changes = new TextMessageChanges(
      store,
      (ops) => this.commit(ops),
      () => this.nextSeq(),
    );
    this.searching = new TextSearch(store, (h, records) => this.messagesOf(h, records));
  }

  find(user: string, seq: Seq): Promise<StoredMessage | undefined> {
    return this.searching.find(user, seq);
  }

  edit(change: MessageChange & { content: string }): Promise<ChangeOutcome> {
    return this.changes.edit(change);
  }

  deleteForEveryone(change: MessageChange): Promise<ChangeOutcome> {
    return this.changes.deleteForEveryone(change);
  }

  /**
   * Takes the messages still queued for `user` out of mensagens.txt (their account is deleted, issue #17):
   * flagged in one batch, so that the queue's compaction, asked for here, drops their lines and text. No
   * status record is written: each sender's copy stays as it was ("sent"), text and all, in their history.
   * Idempotent. Returns how many were flagged.
   */
  async dropQueuedFor(user: string): Promise<number> {
    const seqs = this.store.state.queue.undeliveredUpTo(user, Infinity).filter((s) => !this.delivering.has(s));
    if (seqs.length === 0) return 0;
    await this.commit(seqs.map((seq): WriteOp => ({ kind: 'markDelivered', seq })));
    // No history to scrub: only the queue is compacted (deleted-text-scrub.ts), then the journal started afresh.
    this.store.scrubLater([], seqs, true);
    return seqs.length;
  }

  hide(user: string, seq: Seq): Promise<Exclude<ChangeOutcome, { kind: 'not_sender' | 'too_late' }>> {
    return this.changes.hide(user, seq);
  }

  search(user: string, query: SearchQuery): Promise<SearchPage> {
    return this.searching.search(user, query);
  }

  /** Messages as `h`'s owner sees them now: status, latest text, deleted, the message each answers. */
  async messagesOf(h: UserHistory, records: readonly MessageRecord[]): Promise<StoredMessage[]> {
    const messages = records.map((r) => this.toMessage(h, r));
    await this.changes.decorate(h, records, messages);
    return messages;
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
      if (original?.kind === 'msg') return retryOf((await this.messagesOf(sender, [original]))[0] ?? this.toMessage(sender, original), m);
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
    const messages = await this.messagesOf(
      h,
      records.filter((r) => r.kind === 'msg'),
    );
    let next = 0;
    const events = records.flatMap((r): StoredEvent[] => {
      if (r.kind === 'msg') {
        const message = messages[next++];
        return message && !h.hidden.has(r.seq) ? [{ type: 'message', message }] : [];
      }
      if (r.kind === 'st') return [{ type: 'status', messageSeq: r.messageSeq, status: r.status, at: r.at }];
      // An edit of a message deleted since, or replaced by a later edit, carries text that is gone (blanked in
      // the file, or about to be): a device behind gets the latest edit only (issue #18).
      if (r.kind === 'ed')
        return h.deleted.has(r.messageSeq) || !h.isLatestEdit(r.messageSeq, r.seq)
          ? []
          : [{ type: 'edit', messageSeq: r.messageSeq, content: r.content, at: r.at }];
      if (r.kind === 'del' || r.kind === 'hd') return [{ type: 'delete', messageSeq: r.messageSeq, at: r.at, forMe: r.kind === 'hd' }];
      return [];
    });
    return { events, last: last.seq };
  }

  async startPosition(user: string): Promise<Seq> {
    const { queue, seq } = this.store.state;
    const first = queue.firstUndelivered(user);
    if (first !== undefined) return first - 1;
    const { events } = await this.store.history(user);
    return events[refUpperBound(events, seq.committed) - 1]?.seq ?? 0;
  }

  async acknowledge(user: string, upTo: Seq): Promise<AcknowledgeOutcome> {
    // Numbers count as handed out once committed (readStream stops there): above that, a cursor is from data
    // since restored from an older backup.
    if (upTo > this.store.state.seq.committed) return { kind: 'not_handed_out' };
    const recipient = await this.store.history(user);
    // From here to the submit nothing awaits: two devices acknowledging at once cannot both pick a message.
    const { queue } = this.store.state;
    const seqs = queue.undeliveredUpTo(user, upTo).filter((s) => !this.delivering.has(s));
    if (seqs.length === 0) return { kind: 'acknowledged', senders: [] };
    const at = this.store.now().toISOString();
    const ops: WriteOp[] = [];
    const senders = new Set<string>();
    for (const messageSeq of seqs) {
      const from = queue.senderOf(messageSeq);
      if (from === undefined) continue;
      ops.push({ kind: 'markDelivered', seq: messageSeq });
      senders.add(from);
      // Already read (the reader saw it in the history first): a later "delivered" would go backwards.
      if (messageSeq <= (recipient.readUpTo.get(from) ?? 0)) continue;
      const record: HistoryRecord = { kind: 'st', seq: this.nextSeq(), at, messageSeq, status: 'delivered', peer: user };
      ops.push(appendHistory(from, record));
    }
    for (const s of seqs) this.delivering.add(s);
    try {
      await this.commit(ops);
    } finally {
      for (const s of seqs) this.delivering.delete(s);
    }
    return { kind: 'acknowledged', senders: [...senders] };
  }

  async markRead(user: string, peer: string, upTo: Seq): Promise<MarkReadOutcome> {
    const h = await this.store.history(user);
    const messages = h.peers.get(peer)?.messages ?? [];
    const ref = messages[refUpperBound(messages, upTo) - 1];
    // A placeholder for a damaged line (issue #15) names no message that can be read, so none to mark read.
    if (ref?.seq !== upTo || ref.unreadable) return 'not_found';
    const key = `${user}\u0000${peer}`;
    const previous = Math.max(h.readUpTo.get(peer) ?? 0, this.reading.get(key) ?? 0);
    const incoming = h.peers.get(peer)?.incoming ?? [];
    const newlyRead = incoming.slice(upperBound(incoming, previous), upperBound(incoming, upTo));
    if (newlyRead.length === 0) return 'marked';
    const at = this.store.now().toISOString();
    const ops: WriteOp[] = [appendHistory(user, { kind: 'rd', seq: this.nextSeq(), at, peer, upTo })];
    for (const messageSeq of newlyRead) {
      const record: HistoryRecord = { kind: 'st', seq: this.nextSeq(), at, messageSeq, status: 'read', peer: user };
      ops.push(appendHistory(peer, record));
    }
    this.reading.set(key, upTo);
    try {
      await this.commit(ops);
    } finally {
      if (this.reading.get(key) === upTo) this.reading.delete(key);
    }
    return 'marked';
  }

  async history(user: string, query: HistoryQuery): Promise<HistoryPage> {
    const h = await this.store.history(user);
    const refs = query.with === undefined ? h.messages : (h.peers.get(query.with)?.messages ?? []);
    const end = query.before === undefined ? refs.length : refUpperBound(refs, query.before - 1);
    // Hidden messages (delete for me) are skipped: a page still has `limit` messages when there are that many.
    let start = end;
    const page: RecordRef[] = [];
    while (start > 0 && page.length < query.limit) {
      const ref = refs[--start];
      if (ref && !h.hidden.has(ref.seq)) page.unshift(ref);
    }
    while (start > 0 && h.hidden.has(must(refs[start - 1], 'a history entry within bounds').seq)) start--;
    const read = (await h.records(page)).filter((r) => r.kind === 'msg');
    const messages = new Map((await this.messagesOf(h, read)).map((m) => [m.seq, m]));
    return {
      messages: page.flatMap((ref) => {
        if (ref.unreadable) return this.placeholder(h, ref.seq);
        const m = messages.get(ref.seq);
        return m ? [m] : [];
      }),
      before: start > 0 && page[0] ? page[0].seq : null,
    };
  }

  /** Keyset pages over the history's index: each page is one range read of the file, through its decoder. */
  async exportPage(user: string, after: Seq, limit: number): Promise<ExportPage> {
    const h = await this.store.history(user);
    const first = refUpperBound(h.messages, after);
    // As a stream read: nothing the journal has not committed yet.
    const end = Math.min(first + limit, refUpperBound(h.messages, this.store.state.seq.committed));
    const page = h.messages.slice(first, end);
    const read = (await h.records(page)).filter((r) => r.kind === 'msg');
    const messages = new Map((await this.messagesOf(h, read)).map((m) => [m.seq, m]));
    return {
      messages: page.flatMap((ref): ExportedStoredMessage[] => {
        const [m] = ref.unreadable ? this.placeholder(h, ref.seq) : [messages.get(ref.seq)];
        if (!m) return [];
        return [h.hidden.has(ref.seq) ? { ...m, hidden: true } : m];
      }),
      last: page.at(-1)?.seq ?? null,
    };
  }

  async conversations(user: string): Promise<StoredConversation[]> {
    const h = await this.store.history(user);
    const rows: { peer: string; last: RecordRef }[] = [];
    for (const [peer, p] of h.peers) {
      let i = p.messages.length - 1;
      while (i >= 0 && h.hidden.has(p.messages[i]?.seq ?? 0)) i--;
      const last = p.messages[i];
      if (last) rows.push({ peer, last });
    }
    rows.sort((a, b) => b.last.seq - a.last.seq);
    const out: StoredConversation[] = [];
    for (const row of rows) {
      const [placeholder] = row.last.unreadable ? this.placeholder(h, row.last.seq) : [];
      if (placeholder) {
        out.push({ with: row.peer, last: placeholder, unread: h.unreadFrom(row.peer) });
        continue;
      }
      const [record] = await h.records([row.last]);
      const [last] = record?.kind === 'msg' ? await this.messagesOf(h, [record]) : [];
      if (last) out.push({ with: row.peer, last, unread: h.unreadFrom(row.peer) });
    }
    return out;
  }

  private async write(m: NewMessage): Promise<AppendResult> {
    const seq = this.nextSeq();
    const sentAt = this.store.now().toISOString();
    const record: MessageRecord = { kind: 'msg', seq, sentAt, from: m.from, to: m.to, content: m.content, clientId: m.clientId };
    if (m.attachments !== undefined && m.attachments.length > 0) record.attachments = m.attachments;
    if (m.replyTo !== undefined) record.replyTo = m.replyTo;
    // The recipient blocked the sender (issue #17): the message goes in the sender's history only, never in
    // the queue or the recipient's history, and no one tells the sender.
    if (this.store.blocks.has(m.to, m.from)) {
      const withheld: MessageRecord = { ...record, withheld: true };
      await this.commit([appendHistory(m.from, withheld, encodeHistory(withheld))]);
      return { kind: 'created', message: storedMessage(withheld, 'sent') };
    }
    const line = encodeHistory(record);
    await this.commit([
      appendQueued({ ...record, delivered: false }),
      appendHistory(m.from, record, line),
      appendHistory(m.to, record, line),
    ]);
    const [message] = m.replyTo === undefined ? [] : await this.messagesOf(await this.store.history(m.from), [record]);
    return { kind: 'created', message: message ? { ...message, status: 'sent' } : storedMessage(record, 'sent') };
  }

  async tokenKey(): Promise<TokenKey & { created: boolean }> {
    return this.store.tokenKey;
  }

  /**
   * Submits one batch; once applied, the sequence numbers in it are committed (readable, and handed out in
   * cursors), before the promise resolves: the domain wakes the polls then (api/messaging/).
   */
  private commit(ops: WriteOp[]): Promise<void> {
    const state = this.store.state;
    const highest = state.seq.assigned;
    return state.committer.submit(ops, () => {
      state.seq.committed = Math.max(state.seq.committed, highest);
    });
  }

  private nextSeq(): number {
    return ++this.store.state.seq.assigned;
  }

  /** The placeholder for a damaged message line (unreadable-message.ts): empty and flagged, at its position. */
  private placeholder(viewer: UserHistory, seq: number): StoredMessage[] {
    const u = viewer.unreadable.get(seq);
    if (!u) return [];
    const record: MessageRecord = { kind: 'msg', seq, sentAt: u.sentAt, from: u.from, to: u.to, content: '', clientId: undefined };
    return [{ ...this.toMessage(viewer, record), unreadable: true }];
  }

  private toMessage(viewer: UserHistory, r: MessageRecord): StoredMessage {
    return storedMessage(r, this.statusFor(viewer, r));
  }

  /** Status from the marks (docs/storage.md): read marks per conversation, delivery a prefix per recipient. */
  private statusFor(viewer: UserHistory, r: MessageRecord): MessageStatus {
    if (r.withheld) return 'sent';
    const mine = r.from === viewer.username;
    const readUpTo = mine ? viewer.peerReadUpTo.get(r.to) : viewer.readUpTo.get(r.from);
    if (readUpTo !== undefined && r.seq <= readUpTo) return 'read';
    if (mine && this.store.state.deleted.has(r.to)) {
      // The recipient's queue went with their account (issue #17): the sender's own status records say what
      // reached them, and what did not stays "sent".
      return r.seq <= (viewer.peerDeliveredUpTo.get(r.to) ?? 0) ? 'delivered' : 'sent';
    }
    return this.store.state.queue.isDelivered(r.to, r.seq) ? 'delivered' : 'sent';
  }
}

function storedMessage(r: MessageRecord, status: MessageStatus): StoredMessage {
  const message: StoredMessage = { seq: r.seq, from: r.from, to: r.to, content: r.content, sentAt: r.sentAt, status };
  if (r.clientId !== undefined) message.clientId = r.clientId;
  if (r.attachments !== undefined) message.attachments = r.attachments;
  return message;
}

/** A send whose clientId was used before: the same message again (200), or a conflict (409). */
function retryOf(original: StoredMessage, attempt: NewMessage): AppendResult {
  const same = original.to === attempt.to && original.content === attempt.content;
  return { kind: same ? 'duplicate' : 'conflict', message: original };
}
