import type { AcknowledgeOutcome, MarkReadOutcome, Seq } from '../store.js';
import { appendHistory, type WriteOp } from './journal.js';
import type { HistoryRecord } from './records.js';
import { refUpperBound, upperBound } from './sorted-search.js';
import { commitBatch, nextSeq } from './text-batches.js';
import type { TextContext } from './text-context.js';
import type { UserHistory } from './user-history.js';

/** Whether `user`'s stream holds events above `seq`, indexed already (a batch on its way to the disk included). */
const hasEventsAbove = (history: Pick<UserHistory, 'events'>, seq: Seq): boolean =>
  refUpperBound(history.events, seq) < history.events.length;

/**
 * Delivery and read receipts on the text files: an acknowledgement flags the queued messages delivered and
 * gives each sender a status record, a read mark gives the reader an `rd` record and each sender a status
 * record, each in one journal batch. The checks and the submit run with no await between them, and the
 * sets below hold what is on its way to the disk, so two devices at once write a receipt once.
 */
export class TextReceipts {
  /** Messages whose delivery is being written, so two devices acknowledging at once write it once. */
  private readonly delivering = new Set<number>();
  /** Read marks being written, per `user\0peer`. */
  private readonly reading = new Map<string, number>();

  constructor(private readonly store: Pick<TextContext, 'state' | 'history' | 'now' | 'scrubLater'>) {}

  async acknowledge(user: string, upTo: Seq): Promise<AcknowledgeOutcome> {
    // Numbers count as handed out once committed (readStream stops there): above that, a cursor is from data
    // since restored from an older backup.
    if (upTo > this.store.state.seq.committed) return { kind: 'not_handed_out' };
    const recipient = await this.store.history(user);
    // From here to the submit nothing awaits: two devices acknowledging at once cannot both pick a message.
    const { queue } = this.store.state;
    const seqs = queue.undeliveredUpTo(user, upTo).filter((s) => !this.delivering.has(s));
    if (seqs.length === 0) return { kind: 'acknowledged', senders: [], newer: hasEventsAbove(recipient, upTo) };
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
      const record: HistoryRecord = { kind: 'st', seq: nextSeq(this.store), at, messageSeq, status: 'delivered', peer: user };
      ops.push(appendHistory(from, record));
    }
    for (const s of seqs) this.delivering.add(s);
    try {
      await commitBatch(this.store, ops);
    } finally {
      for (const s of seqs) this.delivering.delete(s);
    }
    return { kind: 'acknowledged', senders: [...senders], newer: hasEventsAbove(recipient, upTo) };
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
    await commitBatch(
      this.store,
      seqs.map((seq): WriteOp => ({ kind: 'markDelivered', seq })),
    );
    // No history to scrub: only the queue is compacted (deleted-text-scrub.ts), then the journal started afresh.
    this.store.scrubLater([], seqs, true);
    return seqs.length;
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
    const ops: WriteOp[] = [appendHistory(user, { kind: 'rd', seq: nextSeq(this.store), at, peer, upTo })];
    for (const messageSeq of newlyRead) {
      const record: HistoryRecord = { kind: 'st', seq: nextSeq(this.store), at, messageSeq, status: 'read', peer: user };
      ops.push(appendHistory(peer, record));
    }
    this.reading.set(key, upTo);
    try {
      await commitBatch(this.store, ops);
    } finally {
      if (this.reading.get(key) === upTo) this.reading.delete(key);
    }
    return 'marked';
  }
}
