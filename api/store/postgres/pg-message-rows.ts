import type { StoredMessage } from '../store.js';
import { searchWords } from '../search-words.js';
import { decodeAttachments } from '../message-attachments-json.js';
import { decodeContent } from './content.js';
import type { MessageStatus } from '../../contract.js';

/** A message row with its status for the reader: delivery is a prefix per recipient, reads a mark per conversation. */
export const MESSAGE_COLUMNS = `m.seq, m.sender, m.recipient, m.content, m.sent_at, m.client_id, m.attachments, m.edited_at, m.deleted_at,
  m.reply_to, q.sender AS q_sender, q.content AS q_content, q.deleted_at AS q_deleted_at,
  CASE WHEN m.withheld THEN 'sent' WHEN m.seq <= rm.upto THEN 'read' WHEN m.seq <= d.upto THEN 'delivered' ELSE 'sent' END AS status`;
/**
 * The status marks, and the message a reply answers (issue #18). Every query that uses these has the reader
 * as `$1`: a quoted message withheld by a block (issue #17) is quoted only to its sender, who has it, as the
 * text store quotes only what the reader's history holds; the person who blocked never gets its text.
 */
export const STATUS_JOINS = `LEFT JOIN read_marks rm ON rm.username = m.recipient AND rm.peer = m.sender
  LEFT JOIN deliveries d ON d.username = m.recipient
  LEFT JOIN messages q ON q.seq = m.reply_to AND (NOT q.withheld OR q.sender = $1)`;
/** `e` is not a message `$1` hid (delete for me). */
export const NOT_HIDDEN = `NOT EXISTS (SELECT 1 FROM events h WHERE h.username = $1 AND h.kind = 'hd' AND h.message_seq = e.seq)`;

export interface MessageRow {
  seq: string;
  sender: string;
  recipient: string;
  content: string;
  sent_at: Date;
  client_id: string | null;
  attachments: unknown;
  edited_at: Date | null;
  deleted_at: Date | null;
  reply_to: string | null;
  q_sender: string | null;
  q_content: string | null;
  q_deleted_at: Date | null;
  status: MessageStatus;
  [column: string]: unknown;
}

export function toMessage(r: MessageRow): StoredMessage {
  const message: StoredMessage = {
    seq: Number(r.seq),
    from: r.sender,
    to: r.recipient,
    content: decodeContent(r.content),
    sentAt: r.sent_at.toISOString(),
    status: r.status,
  };
  if (r.client_id !== null) message.clientId = r.client_id;
  if (r.deleted_at !== null) {
    message.deleted = true;
    return message;
  }
  const attachments = attachmentsOf(r.attachments);
  if (attachments !== undefined) message.attachments = attachments;
  if (r.edited_at !== null) message.editedAt = r.edited_at.toISOString();
  if (r.reply_to !== null && r.q_sender !== null) {
    message.replyTo =
      r.q_deleted_at === null
        ? { seq: Number(r.reply_to), from: r.q_sender, content: decodeContent(r.q_content ?? '') }
        : { seq: Number(r.reply_to), from: r.q_sender, content: '', deleted: true };
  }
  return message;
}

/** The attachments column (jsonb, as node-pg parses it): the same array as the text store's field. */
export function attachmentsOf(column: unknown): StoredMessage['attachments'] {
  if (column === null || column === undefined) return undefined;
  return decodeAttachments(JSON.stringify(column));
}

/** What messages.search_text holds: the folded words (migrations/010_message_changes.sql). */
export const searchText = (content: string): string => searchWords(content).join(' ');
