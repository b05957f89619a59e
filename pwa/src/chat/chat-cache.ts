import type { Attachment } from '../../../api/contract';
import type { LocalMessage } from './local-message';

/** A file a message waits to carry (issue #18): the bytes themselves, kept in IndexedDB with the outbox. */
export interface OutboxFile {
  blob: Blob;
  name: string;
  type: string;
  size: number;
  /** Pixels, for images: the pending bubble reserves the space. */
  width?: number;
  height?: number;
  /** Once uploaded: a retry sends the message without uploading the file again. */
  attachment?: Attachment;
}

/** A message waiting to be sent, in the order it was written (`seq`, given by the cache). */
export interface OutboxItem {
  seq?: number;
  clientId: string;
  from: string;
  to: string;
  content: string;
  createdAt: string;
  files?: OutboxFile[];
  /** The message this one answers (issue #18), with what its bubble quotes until the server answers. */
  replyTo?: import('../../../api/contract').Quote;
}

export interface CachedConversation {
  with: string;
  last: LocalMessage;
  unread: number;
  /** The peer deleted their account (issue #17), as the server's list said. */
  deleted?: true;
}

/** `user`: who is logged in on this device; `cursor`: where the stream resumes. */
export type MetaKey = 'user' | 'cursor';

/**
 * The device's copy of the user's chats (issue #3, offline), and the outbox. IndexedDB in the app
 * (device/indexeddb-chat-cache.ts), memory in the unit tests. A failing cache must never stop the chat: an
 * implementation answers as if empty rather than throw, except that the outbox never drops what it was given.
 */
export interface ChatCache {
  getMeta(key: MetaKey): Promise<string | undefined>;
  setMeta(key: MetaKey, value: string | null): Promise<void>;
  /** Stores messages under their `messageKey`; `replacedKeys` are keys a message no longer has. */
  putMessages(me: string, messages: LocalMessage[], replacedKeys?: string[]): Promise<void>;
  /** The newest `limit` messages with `peer`, oldest first. */
  recentMessages(peer: string, limit: number): Promise<LocalMessage[]>;
  /** Keeps the newest `keep` messages with `peer`: the cache is for a quick, offline start, not an archive. */
  pruneThread(peer: string, keep: number): Promise<void>;
  replaceConversations(conversations: CachedConversation[]): Promise<void>;
  putConversation(conversation: CachedConversation): Promise<void>;
  conversations(): Promise<CachedConversation[]>;
  addToOutbox(item: OutboxItem): Promise<void>;
  /** The oldest unsent message of `from`: the outbox goes out in the order it was written. */
  firstInOutbox(from: string): Promise<OutboxItem | undefined>;
  outbox(from: string): Promise<OutboxItem[]>;
  removeFromOutbox(item: OutboxItem): Promise<void>;
  /** Stores what changed in an item still in the outbox (its files' uploads). */
  updateOutbox(item: OutboxItem): Promise<void>;
  /**
   * Forgets the cached chats and the stream cursor (logout, another user, an expired cursor). The outbox stays:
   * what a person wrote is sent when they log in again, never silently dropped.
   */
  clearChats(): Promise<void>;
}
