import type { AppendResult, NewMessage, StoredAppend, StoredMessage } from '../store.js';
import { appendHistory, appendQueued } from './journal.js';
import { encodeHistory, type MessageRecord } from './records.js';
import { commitBatch, nextSeq } from './text-batches.js';
import type { TextContext } from './text-context.js';
import { storedMessage, type MessageViews } from './text-message-views.js';

/**
 * Sending a message on the text files: one journal batch of the queue line and both history lines, so it
 * lands whole or not at all, and idempotent by clientId (a retry gets the message it sent).
 */
export class TextSending {
  /** Sends with a clientId on their way to the disk: a concurrent retry waits for the original. */
  private readonly sending = new Map<string, Promise<Created>>();

  constructor(
    private readonly store: Pick<TextContext, 'state' | 'history' | 'now' | 'blocks'>,
    private readonly views: MessageViews,
  ) {}

  /**
   * A new message to a deleted account is refused (issue #20); a retry of one stored before the deletion is
   * answered with it, as a retry always is. The mark is looked at in the same turn as the batch is submitted,
   * with no await in between: a deletion sets it while the committer is suspended for its tombstone
   * (text-users.ts), so a send either went into a batch committed before the tombstone (what the account
   * received, which its senders keep) or sees the mark.
   */
  async append(m: NewMessage): Promise<AppendResult> {
    // A deleted account's history is not loaded back into memory.
    const [sender] = await Promise.all([this.store.history(m.from), this.recipientDeleted(m) ? undefined : this.store.history(m.to)]);
    if (m.clientId === undefined) return this.recipientDeleted(m) ? REFUSED : this.write(m);
    const key = `${m.from}\u0000${m.clientId}`;
    const inFlight = this.sending.get(key);
    if (inFlight) return retryOf((await inFlight).message, m);
    const ref = sender.sentByClientId.get(m.clientId);
    if (ref) {
      const [original] = await sender.records([ref]);
      if (original?.kind === 'msg')
        return retryOf((await this.views.messagesOf(sender, [original]))[0] ?? this.views.toMessage(sender, original), m);
    }
    if (this.recipientDeleted(m)) return REFUSED;
    const write = this.write(m);
    this.sending.set(key, write);
    try {
      return await write;
    } finally {
      this.sending.delete(key);
    }
  }

  private recipientDeleted(m: NewMessage): boolean {
    return this.store.state.deleted.has(m.to);
  }

  private async write(m: NewMessage): Promise<Created> {
    const seq = nextSeq(this.store);
    const sentAt = this.store.now().toISOString();
    const record: MessageRecord = { kind: 'msg', seq, sentAt, from: m.from, to: m.to, content: m.content, clientId: m.clientId };
    if (m.attachments !== undefined && m.attachments.length > 0) record.attachments = m.attachments;
    if (m.replyTo !== undefined) record.replyTo = m.replyTo;
    // The recipient blocked the sender (issue #17): the message goes in the sender's history only, never in
    // the queue or the recipient's history, and no one tells the sender.
    if (this.store.blocks.has(m.to, m.from)) {
      const withheld: MessageRecord = { ...record, withheld: true };
      await commitBatch(this.store, [appendHistory(m.from, withheld, encodeHistory(withheld))]);
      return { kind: 'created', message: storedMessage(withheld, 'sent') };
    }
    const line = encodeHistory(record);
    await commitBatch(this.store, [
      appendQueued({ ...record, delivered: false }),
      appendHistory(m.from, record, line),
      appendHistory(m.to, record, line),
    ]);
    const [message] = m.replyTo === undefined ? [] : await this.views.messagesOf(await this.store.history(m.from), [record]);
    return { kind: 'created', message: message ? { ...message, status: 'sent' } : storedMessage(record, 'sent') };
  }
}

type Created = Extract<AppendResult, { kind: 'created' }>;

const REFUSED: AppendResult = { kind: 'recipient_deleted' };

/** A send whose clientId was used before: the same message again (200), or a conflict (409). */
function retryOf(original: StoredMessage, attempt: NewMessage): StoredAppend {
  const same = original.to === attempt.to && original.content === attempt.content;
  return { kind: same ? 'duplicate' : 'conflict', message: original };
}
