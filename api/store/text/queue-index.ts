import type { QueueRecord } from './records.js';

/** One queued message as the index holds it: who sent it to whom, and where its delivered flag is in the file. */
export interface QueuedMessage {
  seq: number;
  from: string;
  to: string;
  /** Absolute byte offset of the message's delivered flag in mensagens.txt. */
  flagAt: number;
}

/**
 * What mensagens.txt holds, in memory: the messages in sequence order (the order of the file), one array per
 * field, found by binary search. A million queued messages are a few flat arrays rather than a million objects
 * in a Map: the start with a big queue is bound by it (issue #4).
 *
 * Delivery is acknowledged by cursor, so a recipient's delivered messages are always a prefix of what was
 * sent to them: the undelivered ones per recipient are kept as an ascending list, and "delivered" is simply
 * "older than the first undelivered one".
 */
export class QueueIndex {
  private seqs: number[] = [];
  private senders: string[] = [];
  private recipients: string[] = [];
  private flagAt: number[] = [];
  private delivered: boolean[] = [];
  private readonly undelivered = new Map<string, number[]>();
  /** One string per username: a million entries share a few thousand names instead of holding a copy each. */
  private readonly names = new Map<string, string>();
  private deliveredCount = 0;
  /** Whether the columns are in sequence order (binary search needs it). */
  private ordered = true;
  maxSeq = 0;

  /** The oldest message not yet delivered to `user`, if any. */
  firstUndelivered(user: string): number | undefined {
    return this.undelivered.get(user)?.[0];
  }

  senderOf(seq: number): string | undefined {
    const i = this.position(seq);
    return i < 0 ? undefined : this.senders[i];
  }

  /** Where message `seq`'s delivered flag is in the file (delivered or not), or undefined when not there. */
  flagOf(seq: number): number | undefined {
    const i = this.position(seq);
    return i < 0 ? undefined : this.flagAt[i];
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

  /** Adds a message at the end of the columns (the file's order). */
  add(record: QueueRecord, flagAt: number): void {
    this.push(record.seq, this.name(record.from), this.name(record.to), flagAt, record.delivered);
  }

  /** Marks a message delivered; answers where its flag byte is, or undefined when unknown or already delivered. */
  markDelivered(seq: number): number | undefined {
    const i = this.position(seq);
    const flagAt = this.flagAt[i];
    if (flagAt === undefined || this.delivered[i]) return undefined;
    this.delivered[i] = true;
    this.deliveredCount++;
    const to = this.recipients[i] ?? '';
    const list = this.undelivered.get(to);
    if (list) {
      const at = list.indexOf(seq);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.undelivered.delete(to);
    }
    return flagAt;
  }

  /** The messages not delivered yet, in sequence order. */
  undeliveredMessages(): QueuedMessage[] {
    const kept: QueuedMessage[] = [];
    for (let i = 0; i < this.seqs.length; i++) {
      if (this.delivered[i]) continue;
      kept.push({ seq: this.seqs[i] ?? 0, from: this.senders[i] ?? '', to: this.recipients[i] ?? '', flagAt: this.flagAt[i] ?? -1 });
    }
    return kept;
  }

  /**
   * Holds only `messages` (undelivered, in sequence order) after a compaction. Numbers of removed messages are
   * never handed out again, even when they were the highest: `maxSeq` stays.
   */
  replace(messages: readonly QueuedMessage[]): void {
    const maxSeq = this.maxSeq;
    this.clear();
    for (const m of messages) this.push(m.seq, m.from, m.to, m.flagAt, false);
    this.maxSeq = maxSeq;
  }

  /**
   * Puts the columns in sequence order after loading a file that was not (only a hand-edited file is: appends
   * only go above `maxSeq`), keeping the last line of a message found twice, as reading top to bottom would.
   */
  sortIfNeeded(): void {
    if (this.ordered) return;
    const { seqs, senders, recipients, flagAt, delivered } = this;
    const order = seqs.map((_, i) => i).sort((a, b) => (seqs[a] ?? 0) - (seqs[b] ?? 0) || b - a);
    this.clear();
    let previous: number | undefined;
    for (const i of order) {
      if (seqs[i] === previous) continue;
      previous = seqs[i];
      this.push(seqs[i] ?? 0, senders[i] ?? '', recipients[i] ?? '', flagAt[i] ?? 0, delivered[i] ?? false);
    }
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

  private push(seq: number, from: string, to: string, flagAt: number, delivered: boolean): void {
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
