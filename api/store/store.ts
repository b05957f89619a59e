import type { Store as ExpressSessionStore } from 'express-session';
import type { Conversation, Message, StreamEvent } from '../contract.js';

/**
 * The storage boundary. The HTTP layer and the domain only ever see these interfaces; the text-file store
 * (`text/`) implements them on the data folder, and a PostgreSQL store implements the same contract.
 *
 * Positions: every event (a message, a status change) gets a sequence number from the store, increasing, so
 * a user's stream is ordered by it and a cursor is just "the last sequence number this device has seen".
 */
export type Seq = number;

export interface StoredUser {
  username: string;
  passwordHash: string;
}

export interface UserRepository {
  find(username: string): Promise<StoredUser | undefined>;
  /** Adds the user durably. Returns false, changing nothing, when the name is already taken. */
  create(user: StoredUser): Promise<boolean>;
  exists(username: string): boolean | Promise<boolean>;
}

export interface NewMessage {
  from: string;
  to: string;
  content: string;
  clientId?: string;
}

export type AppendResult =
  | { kind: 'created'; message: Message }
  /** The same sender already sent this clientId with the same recipient and content. */
  | { kind: 'duplicate'; message: Message }
  /** The same sender already used this clientId for a different message. */
  | { kind: 'conflict'; message: Message };

export interface StreamPage {
  events: StreamEvent[];
  /** Sequence number of the last event returned, or the `after` given when there was none. */
  last: Seq;
}

export interface HistoryQuery {
  with?: string;
  /** Opaque page cursor from a previous page; absent for the newest page. */
  before?: string;
  limit: number;
}

export interface HistoryPage {
  messages: Message[];
  before: string | null;
}

export interface MessageRepository {
  /**
   * Identity of this data set, created with it. Cursors carry it, so a cursor from another (or a reset)
   * data set is recognised and answered with 410 instead of a silent gap.
   */
  readonly epoch: string;
  /** Stores the message durably (and idempotently by `clientId`); resolves once it is on disk. */
  append(message: NewMessage): Promise<AppendResult>;
  /** Events of `user`'s stream with a sequence number above `after`, oldest first, at most `limit`. */
  readStream(user: string, after: Seq, limit: number): Promise<StreamPage>;
  /**
   * Where a device with no cursor starts: just before the oldest message not yet delivered to `user`, or at
   * the end of their stream when everything was delivered.
   */
  startPosition(user: string): Promise<Seq>;
  /** The highest sequence number that is durable: a cursor above it was never handed out. */
  committedSeq(): Seq;
  /**
   * The recipient has received everything in their stream up to `upTo`: marks those messages delivered and
   * puts `status` events in their senders' streams. Idempotent.
   */
  acknowledge(user: string, upTo: Seq): Promise<void>;
  /** `user` has read the conversation with `peer` up to the message `upToId` (a message from `peer`). */
  markRead(user: string, peer: string, upToId: string): Promise<void>;
  history(user: string, query: HistoryQuery): Promise<HistoryPage>;
  conversations(user: string): Promise<Conversation[]>;
}

export interface SessionRepository {
  /** The express-session store that keeps sessions where this store keeps its data. */
  readonly expressStore: ExpressSessionStore;
  /** A secret kept with the data, created on first use, for when the operator sets none. */
  generatedSecret(): Promise<{ secret: string; created: boolean }>;
}

/** Called after events became durable, with the users whose streams grew. */
export type StreamListener = (users: readonly string[]) => void;

export interface Store {
  readonly users: UserRepository;
  readonly messages: MessageRepository;
  readonly sessions: SessionRepository;
  /** Subscribes to stream growth (after the write is durable); returns the unsubscribe function. */
  onStreamAppended(listener: StreamListener): () => void;
  /** Waits for the writes in flight, then releases files, locks and connections. */
  close(): Promise<void>;
}
