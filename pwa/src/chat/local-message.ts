import type { Attachment, Message, MessageStatus, Quote } from '../../../api/contract';
import { defined } from '../lib/assert';

/** A message as this device knows it: `pending` while in the outbox, `failed` when the server refused it. */
export type LocalStatus = 'pending' | 'failed' | MessageStatus;

export interface LocalMessage {
  /** Set once the server stored it. */
  id?: string;
  /** Set for messages sent with one (every message this app sends). */
  clientId?: string;
  from: string;
  to: string;
  content: string;
  sentAt: string;
  status: LocalStatus;
  /** Why the server refused it, for `failed`. */
  failure?: string;
  /** A placeholder for a message the server could not read (issue #15): shown as such, never marked read. */
  unreadable?: true;
  /** The files it carries, as the server has them (issue #18). */
  attachments?: Attachment[];
  /** Its files while it waits in the outbox: shown from this device's copy (object URLs) until sent. */
  localFiles?: LocalFile[];
  /** How much of its files went up, 0 to 1, while they upload. */
  progress?: number;
  /** Edited by its sender (issue #18): `content` is the latest text. */
  editedAt?: string;
  /** Deleted for everyone (issue #18): shown as "message deleted". */
  deleted?: true;
  /** Deleted by me for myself (issue #18): kept out of view. */
  hidden?: true;
  /** The message this one answers. */
  replyTo?: Quote;
}

/** A file of a message not sent yet, as its bubble shows it. */
export interface LocalFile {
  url: string;
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
}

/** Statuses only move up this order; pending and failed are both before the server has it. */
const STATUS_ORDER: Record<LocalStatus, number> = { failed: 0, pending: 0, sent: 1, delivered: 2, read: 3 };

export function peerOf(message: Pick<LocalMessage, 'from' | 'to'>, me: string): string {
  return message.from === me ? message.to : message.from;
}

/** One stable identity per message, whether it came from the outbox, a send answer, the stream or history. */
export function messageKey(message: LocalMessage): string {
  // Only the server's copies lack a clientId (sent by another client), and those always have an id.
  return message.clientId ? `c:${message.from}:${message.clientId}` : `i:${defined(message.id, 'the id of a message without clientId')}`;
}

export function sameMessage(a: LocalMessage, b: LocalMessage): boolean {
  if (a.id && b.id && a.id === b.id) return true;
  return Boolean(a.clientId && a.clientId === b.clientId && a.from === b.from);
}

/**
 * Combines two copies of one message. Status only moves forward: a late copy from history saying `sent` must not
 * undo a `read` receipt that already arrived on the stream.
 */
export function mergeMessage(known: LocalMessage, incoming: LocalMessage): LocalMessage {
  const status = STATUS_ORDER[incoming.status] >= STATUS_ORDER[known.status] ? incoming.status : known.status;
  const merged: LocalMessage = { ...known, ...incoming, status };
  if (!merged.clientId && known.clientId) merged.clientId = known.clientId;
  if (status !== 'failed') delete merged.failure;
  // The server's copy has the files now: the device's own copies and the progress were for the wait.
  if (incoming.attachments) {
    delete merged.localFiles;
    delete merged.progress;
  }
  return merged;
}

export function fromServer(message: Message): LocalMessage {
  const local: LocalMessage = {
    id: message.id,
    from: message.from,
    to: message.to,
    content: message.content,
    sentAt: message.sentAt,
    status: message.status,
  };
  if (message.clientId) local.clientId = message.clientId;
  if (message.unreadable) local.unreadable = true;
  if (message.attachments && message.attachments.length > 0) local.attachments = message.attachments;
  if (message.editedAt) local.editedAt = message.editedAt;
  if (message.deleted) local.deleted = true;
  if (message.replyTo) local.replyTo = message.replyTo;
  return local;
}

export function isNewerStatus(current: LocalStatus, next: LocalStatus): boolean {
  return STATUS_ORDER[next] > STATUS_ORDER[current];
}
