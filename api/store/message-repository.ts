import type { MessageAttachment } from './attachment-repository.js';
import type { ExportPage, HistoryPage, HistoryQuery, SearchPage, SearchQuery, StreamPage } from './message-pages.js';
import type { Seq } from './sequence-number.js';
import type { StoredConversation, StoredMessage } from './stored-message.js';

/**
 * The secret behind the opaque ids and cursors, created with the data and kept with it (text store: a file in
 * the data folder; PostgreSQL: papo_meta, shared by every process).
 */
export interface TokenKey {
  /** 16 random bytes: an AES-128 key. */
  key: Buffer;
  /**
   * The highest sequence number when the key was made. Ids up to it were handed out as plain numbers before
   * ids were tokens (old clients, old files, the README's walkthrough): those numbers are still accepted as
   * ids. Numbers above it were never anyone's id, so accepting them would only let a user probe the sequence.
   */
  legacyIdsUpTo: Seq;
}

export interface NewMessage {
  from: string;
  to: string;
  content: string;
  clientId?: string;
  /** Attachments the sender uploaded and the domain claimed for this send (issue #18). */
  attachments?: MessageAttachment[];
  /** The message this one answers: the domain has checked it is in the same conversation. */
  replyTo?: Seq;
}

/**
 * What an edit or a delete for everyone found (issue #18). The store decides under its own serialisation, so
 * two deletes at once give one `done` and one `deleted`.
 */
export type ChangeOutcome =
  | { kind: 'done'; at: string }
  /** No such message in this user's history (or hidden by them). */
  | { kind: 'not_found' }
  /** The user received it: only its sender may change it. */
  | { kind: 'not_sender' }
  /** It was deleted for everyone already. */
  | { kind: 'deleted' }
  /** It was sent before `notBefore`: the window for this change is over. */
  | { kind: 'too_late' };

export interface MessageChange {
  user: string;
  seq: Seq;
  /** Messages sent before this moment (ISO 8601) may no longer be changed this way. */
  notBefore: string;
}

export type AppendResult =
  | { kind: 'created'; message: StoredMessage }
  /** The same sender already sent this clientId with the same recipient and content. */
  | { kind: 'duplicate'; message: StoredMessage }
  /** The same sender already used this clientId for a different message. */
  | { kind: 'conflict'; message: StoredMessage }
  /**
   * The recipient deleted their account (issue #17): nothing stored. Decided in the same step as the append,
   * under the store's serialisation, so a send that races the deletion lands before it or is refused (#20).
   */
  | { kind: 'recipient_deleted' };

/** What an append stored or found stored: every outcome but a refusal. */
export type StoredAppend = Exclude<AppendResult, { kind: 'recipient_deleted' }>;

/**
 * `tryAppend`'s answer for `append`'s callers, which send between live accounts only (tools, imports,
 * tests): a refusal there is a mistake of theirs, thrown.
 */
export function storedOrThrow(result: AppendResult, to: string): StoredAppend {
  if (result.kind === 'recipient_deleted') throw new Error(`cannot append: the account ${JSON.stringify(to)} is deleted`);
  return result;
}

/**
 * What a read mark did: `not_found` when no readable message of that conversation has that number. A store
 * says what happened; the domain (api/messaging/) says it to the person, in one wording for both stores.
 */
export type MarkReadOutcome = 'marked' | 'not_found';

/** What an acknowledgement did; the domain says it to the person (cursor_expired), one wording for both stores. */
export type AcknowledgeOutcome =
  /**
   * `senders`: whose streams got a status event (none when it acknowledged nothing new). `newer`: whether the
   * user's stream held events above `upTo` once it was written; when false, a poll held before the call has
   * nothing to read until it is woken (issue #20: that read was one of a message's round trips).
   */
  | { kind: 'acknowledged'; senders: readonly string[]; newer: boolean }
  /** Above every position ever handed out: a cursor kept from data since restored from an older backup. */
  | { kind: 'not_handed_out' };

export interface MessageRepository {
  /**
   * Identity of this data set, created with it. Cursors carry it, so a cursor from another (or a reset)
   * data set is recognised and answered with 410 instead of a silent gap.
   */
  readonly epoch: string;
  /**
   * Stores the message durably (and idempotently by `clientId`); resolves once it is on disk. Refused,
   * nothing stored, when the recipient's account is deleted: checked in the same step as the append, so
   * the send path makes no separate round trip for it (issue #20).
   */
  tryAppend(message: NewMessage): Promise<AppendResult>;
  /** `tryAppend` for callers that send between live accounts only (tools, imports, tests): a refusal throws. */
  append(message: NewMessage): Promise<StoredAppend>;
  /** Events of `user`'s stream with a sequence number above `after`, oldest first, at most `limit`. */
  readStream(user: string, after: Seq, limit: number): Promise<StreamPage>;
  /**
   * Where a device with no cursor starts: just before the oldest message not yet delivered to `user`, or at
   * the end of their stream when everything was delivered: their own last event, never the store's highest
   * number, which moves whenever anyone talks (issue #15, item 7).
   */
  startPosition(user: string): Promise<Seq>;
  /**
   * The recipient has received everything in their stream up to `upTo`: marks those messages delivered and
   * puts `status` events in their senders' streams, durably. Idempotent. `not_handed_out` when `upTo` is a
   * position this data set never handed out: the question only the store can answer (on PostgreSQL another
   * process may have handed it out a moment ago), so the cursor is checked here, in the same step.
   */
  acknowledge(user: string, upTo: Seq): Promise<AcknowledgeOutcome>;
  /**
   * `user` has read the conversation with `peer` up to the message `upTo`; `message_not_found` when no message
   * of that conversation has that number.
   */
  markRead(user: string, peer: string, upTo: Seq): Promise<MarkReadOutcome>;
  history(user: string, query: HistoryQuery): Promise<HistoryPage>;
  conversations(user: string): Promise<StoredConversation[]>;
  /** Message `seq` as `user` sees it; undefined when it is not in their history or they hid it (issue #18). */
  find(user: string, seq: Seq): Promise<StoredMessage | undefined>;
  /** The sender replaces a message's text, durably; both streams get an `edit` event (issue #18). */
  edit(change: MessageChange & { content: string }): Promise<ChangeOutcome>;
  /**
   * The sender deletes a message for everyone: both streams get a `delete` event, and its text (and every
   * edit of it) leaves every file or row within the bound docs/reliability.md states (issue #18).
   */
  deleteForEveryone(change: MessageChange): Promise<ChangeOutcome>;
  /** `user` hides a message in their own history (delete for me); `deleted` when they had hidden it already. */
  hide(user: string, seq: Seq): Promise<Exclude<ChangeOutcome, { kind: 'not_sender' | 'too_late' }>>;
  /**
   * `user`'s whole history above `after`, oldest first, at most `limit` messages, hidden ones flagged rather
   * than left out (the export, issue #17). Keyset pages on the sequence number, so an export reads a history
   * of any length a page at a time and never holds it whole.
   */
  exportPage(user: string, after: Seq, limit: number): Promise<ExportPage>;
  /** `user`'s own messages that match, newest first; never deleted or hidden ones (issue #18). */
  search(user: string, query: SearchQuery): Promise<SearchPage>;
  /** The key of this data set's ids and cursors, created on first use and kept with the data. */
  tokenKey(): Promise<TokenKey & { created: boolean }>;
}
