import type { MessageStatus } from '../../contract.js';
import type { StoredMessage } from '../store.js';
import type { MessageRecord } from './records.js';
import type { TextContext } from './text-context.js';
import type { TextMessageChanges } from './text-message-changes.js';
import type { UserHistory } from './user-history.js';

/**
 * A message record as the owner of a history sees it now (every read of messages goes through here: the
 * stream, pages, conversations, search, a send's retry): its status from the marks, its latest text,
 * deleted, the message it answers, or the placeholder of a damaged line.
 */
export class MessageViews {
  constructor(
    private readonly store: Pick<TextContext, 'state'>,
    private readonly changes: Pick<TextMessageChanges, 'decorate'>,
  ) {}

  /** Messages as `h`'s owner sees them now: status, latest text, deleted, the message each answers. */
  async messagesOf(h: UserHistory, records: readonly MessageRecord[]): Promise<StoredMessage[]> {
    const messages = records.map((r) => this.toMessage(h, r));
    await this.changes.decorate(h, records, messages);
    return messages;
  }

  /** The placeholder for a damaged message line (unreadable-message.ts): empty and flagged, at its position. */
  placeholder(viewer: UserHistory, seq: number): StoredMessage[] {
    const u = viewer.unreadable.get(seq);
    if (!u) return [];
    const record: MessageRecord = { kind: 'msg', seq, sentAt: u.sentAt, from: u.from, to: u.to, content: '', clientId: undefined };
    return [{ ...this.toMessage(viewer, record), unreadable: true }];
  }

  /** The record with its status, as sent: no edit, delete or quote looked up. */
  toMessage(viewer: UserHistory, r: MessageRecord): StoredMessage {
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

export function storedMessage(r: MessageRecord, status: MessageStatus): StoredMessage {
  const message: StoredMessage = { seq: r.seq, from: r.from, to: r.to, content: r.content, sentAt: r.sentAt, status };
  if (r.clientId !== undefined) message.clientId = r.clientId;
  if (r.attachments !== undefined) message.attachments = r.attachments;
  return message;
}
