import type { MessageStatus } from '../contract.js';
import type { MessageAttachment } from './attachment-repository.js';
import type { Seq } from './sequence-number.js';

/** A message as a store knows it: its sequence number is its identity. */
export interface StoredMessage {
  seq: Seq;
  from: string;
  to: string;
  content: string;
  /** ISO 8601, UTC. */
  sentAt: string;
  clientId?: string;
  /** As the user who asked sees it. */
  status: MessageStatus;
  /** A placeholder for a message whose record is damaged (issue #15, text store only): empty content. */
  unreadable?: true;
  /** The files the message carries (issue #18), as they were when it was sent. */
  attachments?: MessageAttachment[];
  /** When its sender last edited it (issue #18); `content` is then the latest text. */
  editedAt?: string;
  /** Deleted for everyone by its sender (issue #18): its content is empty, and gone from the files and tables. */
  deleted?: true;
  /** The message this one answers, as it stands now (its latest text, or deleted). */
  replyTo?: StoredQuote;
}

/** The message a reply quotes (issue #18). */
export interface StoredQuote {
  seq: Seq;
  from: string;
  content: string;
  deleted?: true;
}

export type StoredEvent =
  | { type: 'message'; message: StoredMessage }
  /** A message the user sent (`messageSeq`) became delivered or read. */
  | { type: 'status'; messageSeq: Seq; status: 'delivered' | 'read'; at: string }
  /** The sender edited message `messageSeq` (issue #18): in both parties' streams. */
  | { type: 'edit'; messageSeq: Seq; content: string; at: string }
  /** Message `messageSeq` was deleted for everyone (both streams), or hidden by this user (`forMe`, their own stream only). */
  | { type: 'delete'; messageSeq: Seq; at: string; forMe: boolean };

export interface StoredConversation {
  with: string;
  last: StoredMessage;
  unread: number;
}
