import type { ChangeOutcome, MessageChange, StoredMessage } from '../store.js';
import { appendHistory, type WriteOp } from './journal.js';
import type { HistoryRecord, MessageRecord } from './records.js';
import { commitBatch, nextSeq } from './text-batches.js';
import type { TextContext } from './text-context.js';
import type { RecordRef } from './history-index.js';
import type { UserHistory } from './user-history.js';

/** What the changes need of the text store's context. */
export type ChangeStore = Pick<TextContext, 'state' | 'history' | 'now' | 'isQueued' | 'scrubLater' | 'scrubEditLater'>;

/**
 * Edit, delete for everyone, delete for me, and what they change in what a reader sees (issue #18), on the
 * history files. Each change is one journal batch of records appended to the histories concerned (`ed`,
 * `del`: both parties; `hd`: the user's own), so it lands whole or not at all like a send. The checks and the
 * submit run with no await between them, and `changing` holds the messages on their way to the disk: two
 * deletes at once give one `done` and one `deleted`.
 */
export class TextMessageChanges {
  private readonly deleting = new Set<number>();
  private readonly hiding = new Set<string>();

  constructor(private readonly store: ChangeStore) {}

  async edit(change: MessageChange & { content: string }): Promise<ChangeOutcome> {
    const found = await this.ownMessage(change);
    if (found.kind !== 'found') return found;
    const { record } = found;
    const at = this.store.now().toISOString();
    const ed: HistoryRecord = { kind: 'ed', seq: nextSeq(this.store), at, messageSeq: record.seq, content: change.content };
    // A withheld message (issue #17) is only in its sender's history: its changes stay there too.
    const to = record.withheld ? [] : [record.to];
    await commitBatch(this.store, [appendHistory(record.from, ed), ...to.map((u) => appendHistory(u, ed))]);
    // Papo keeps no edit history: the text this edit replaced leaves the files at the next quiet points.
    this.store.scrubEditLater([record.from, ...to], record.seq);
    return { kind: 'done', at };
  }

  async deleteForEveryone(change: MessageChange): Promise<ChangeOutcome> {
    const found = await this.ownMessage(change);
    if (found.kind !== 'found') return found;
    const { record } = found;
    const at = this.store.now().toISOString();
    const del: HistoryRecord = { kind: 'del', seq: nextSeq(this.store), at, messageSeq: record.seq };
    const to = record.withheld ? [] : [record.to];
    const ops: WriteOp[] = [appendHistory(record.from, del), ...to.map((u) => appendHistory(u, del))];
    // Still queued: marked delivered, so that the queue's compaction takes its line (and its text) away.
    const queued = this.store.isQueued(record.seq);
    if (queued) ops.push({ kind: 'markDelivered', seq: record.seq });
    this.deleting.add(record.seq);
    try {
      await commitBatch(this.store, ops);
    } finally {
      this.deleting.delete(record.seq);
    }
    this.store.scrubLater([record.from, ...to], record.seq, queued);
    return { kind: 'done', at };
  }

  async hide(user: string, seq: number): Promise<Exclude<ChangeOutcome, { kind: 'not_sender' | 'too_late' }>> {
    const h = await this.store.history(user);
    const ref = h.messageRef(seq);
    if (!ref || ref.unreadable) return { kind: 'not_found' };
    const key = `${user}\u0000${seq}`;
    if (h.hidden.has(seq) || this.hiding.has(key)) return { kind: 'deleted' };
    const at = this.store.now().toISOString();
    this.hiding.add(key);
    try {
      await commitBatch(this.store, [appendHistory(user, { kind: 'hd', seq: nextSeq(this.store), at, messageSeq: seq })]);
    } finally {
      this.hiding.delete(key);
    }
    return { kind: 'done', at };
  }

  /**
   * Puts into `messages` (made from `records`, in the same order) what changed since they were sent: the
   * latest text and when it was edited, "deleted", and the message each one answers as it stands now. One
   * read of the history for all the records this needs.
   */
  async decorate(h: UserHistory, records: readonly MessageRecord[], messages: StoredMessage[]): Promise<void> {
    const wanted: RecordRef[] = [];
    for (const r of records) {
      const edits = h.edits.get(r.seq);
      if (edits && !h.deleted.has(r.seq)) wanted.push(...edits.slice(-1));
      if (r.replyTo === undefined) continue;
      const quoted = h.messageRef(r.replyTo);
      if (quoted && !quoted.unreadable) wanted.push(quoted, ...(h.deleted.has(r.replyTo) ? [] : (h.edits.get(r.replyTo)?.slice(-1) ?? [])));
    }
    const read = wanted.length === 0 ? [] : await h.records(dedupe(wanted));
    const latest = new Map<number, Extract<HistoryRecord, { kind: 'ed' }>>();
    const quotedRecords = new Map<number, MessageRecord>();
    for (const r of read) {
      if (r.kind === 'ed') latest.set(r.messageSeq, r);
      else if (r.kind === 'msg') quotedRecords.set(r.seq, r);
    }
    records.forEach((r, i) => {
      const m = messages[i];
      if (!m) return;
      if (h.deleted.has(r.seq)) {
        m.content = '';
        m.deleted = true;
      } else {
        const ed = latest.get(r.seq);
        if (ed) {
          m.content = ed.content;
          m.editedAt = ed.at;
        }
      }
      if (r.replyTo === undefined || m.deleted) return;
      const q = quotedRecords.get(r.replyTo);
      if (!q) return;
      if (h.deleted.has(q.seq)) m.replyTo = { seq: q.seq, from: q.from, content: '', deleted: true };
      else m.replyTo = { seq: q.seq, from: q.from, content: latest.get(q.seq)?.content ?? q.content };
    });
  }

  /** The message `change.seq` when `change.user` sent it and may still change it; else why not. */
  private async ownMessage(
    change: MessageChange,
  ): Promise<{ kind: 'found'; record: MessageRecord } | Exclude<ChangeOutcome, { kind: 'done' }>> {
    const h = await this.store.history(change.user);
    const ref = h.messageRef(change.seq);
    if (!ref || ref.unreadable || h.hidden.has(change.seq)) return { kind: 'not_found' };
    const [record] = await h.records([ref]);
    if (record?.kind !== 'msg') return { kind: 'not_found' };
    if (record.from !== change.user) return { kind: 'not_sender' };
    if (h.deleted.has(record.seq) || this.deleting.has(record.seq)) return { kind: 'deleted' };
    if (record.sentAt < change.notBefore) return { kind: 'too_late' };
    return { kind: 'found', record };
  }
}

function dedupe(refs: RecordRef[]): RecordRef[] {
  const bySeq = new Map(refs.map((r) => [r.seq, r]));
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
