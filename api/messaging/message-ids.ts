import type { Message, StreamEvent } from '../contract.js';
import { parseSeq, type Seq, type StoredEvent, type StoredMessage } from '../store/store.js';
import type { TokenCipher } from './token-cipher.js';
import { must } from '../assert.js';

/**
 * Message ids and history page cursors as clients see them (issue #15, item 7): opaque tokens of the
 * store's sequence numbers (token-cipher.ts), so that an id says nothing about anyone else's messages.
 *
 * An id sent back may also be a plain number handed out before (an old client, an old file, the README's
 * walkthrough), accepted when it is at most `legacyIdsUpTo`: the highest number when the key was made. A
 * higher number was never anyone's id; accepting it would let a user find the numbers of their own new
 * messages by trying them, and with them the count of everyone's.
 */
export class MessageIds {
  constructor(
    private readonly cipher: TokenCipher,
    private readonly legacyIdsUpTo: Seq,
  ) {}

  /** The sequence number of a message id from a client, or undefined when it names no message. */
  seqOf(id: string): Seq | undefined {
    return this.cipher.decode('message', id) ?? this.legacySeq(id);
  }

  pageCursor(seq: Seq): string {
    return this.cipher.encode('page', seq);
  }

  /** The sequence number of a history page cursor (`before`), or undefined when it is not one. */
  pageSeqOf(cursor: string): Seq | undefined {
    return this.cipher.decode('page', cursor) ?? this.legacySeq(cursor);
  }

  message(m: StoredMessage): Message {
    return this.wire(m, this.cipher.encode('message', m.seq));
  }

  messages(ms: readonly StoredMessage[]): Message[] {
    const tokens = this.cipher.encodeAll('message', ms.map(seqOf));
    return ms.map((m, i) => this.wire(m, must(tokens[i], 'the token of each message')));
  }

  private wire(m: StoredMessage, id: string): Message {
    const message = wire(m, id);
    if (m.replyTo) {
      const q = m.replyTo;
      message.replyTo = { id: this.cipher.encode('message', q.seq), from: q.from, content: snippet(q.content) };
      if (q.deleted) message.replyTo.deleted = true;
    }
    return message;
  }

  /** A poll answer's events, with every id made in one call to the cipher. */
  events(events: readonly StoredEvent[]): StreamEvent[] {
    const tokens = this.cipher.encodeAll('message', events.map(messageSeqOf));
    return events.map((e, i): StreamEvent => {
      const id = must(tokens[i], 'the token of each event');
      switch (e.type) {
        case 'message':
          return { type: 'message', message: this.wire(e.message, id) };
        case 'status':
          return { type: 'status', id, status: e.status, at: e.at };
        case 'edit':
          return { type: 'edit', id, content: e.content, editedAt: e.at };
        case 'delete':
          return { type: 'delete', id, for: e.forMe ? 'me' : 'everyone', at: e.at };
      }
    });
  }

  /** An id handed out before ids were tokens: the message's sequence number, written out. */
  private legacySeq(text: string): Seq | undefined {
    const seq = parseSeq(text);
    return seq !== undefined && seq <= this.legacyIdsUpTo ? seq : undefined;
  }
}

const seqOf = (m: StoredMessage): Seq => m.seq;
const messageSeqOf = (e: StoredEvent): Seq => (e.type === 'message' ? e.message.seq : e.messageSeq);

function wire(m: StoredMessage, id: string): Message {
  const message: Message = { id, from: m.from, to: m.to, content: m.content, sentAt: m.sentAt, status: m.status };
  if (m.clientId !== undefined) message.clientId = m.clientId;
  if (m.unreadable) message.unreadable = true;
  // A message deleted for everyone carries nothing any more: its files were removed with it (issue #18).
  if (m.attachments !== undefined && m.attachments.length > 0 && m.deleted !== true) message.attachments = m.attachments;
  if (m.editedAt !== undefined) message.editedAt = m.editedAt;
  if (m.deleted) message.deleted = true;
  return message;
}

/** A quote carries at most this many characters of the message it answers. */
const SNIPPET_CHARS = 200;

function snippet(content: string): string {
  const chars = [...content];
  return chars.length <= SNIPPET_CHARS ? content : `${chars.slice(0, SNIPPET_CHARS - 1).join('')}…`;
}
