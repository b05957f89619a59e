import type { MessageStatus } from '../contract.js';
import type { AttachmentRepository, MessageAttachment } from './attachment-repository.js';
import type { VapidKeys } from './vapid-keys.js';

/**
 * The storage boundary. The HTTP layer and the domain only ever see these interfaces; the text-file store
 * (`text/`) implements them on the data folder, and a PostgreSQL store implements the same contract.
 *
 * Positions: every event (a message, a status change) gets a sequence number from the store, increasing, so
 * a user's stream is ordered by it and a cursor is just "the last sequence number this device has seen".
 * Stores speak sequence numbers only, and keep them plain in their files and tables: the domain turns them
 * into the opaque ids and cursors clients see (api/messaging/token-cipher.ts), with the key a store keeps
 * (`MessageRepository.tokenKey`). One sequence for the whole server, shown as it is, would let any user
 * watch everyone's traffic (issue #15, item 7).
 */
export type Seq = number;

/** A sequence number written out (in the text files, in the ids handed out before ids were tokens): decimal, 1 to 16 digits. */
const SEQ_TEXT = /^[1-9][0-9]{0,15}$/;

/** The sequence number `text` writes out, or undefined when it is not one; the one rule for files and old ids. */
export function parseSeq(text: string): Seq | undefined {
  return SEQ_TEXT.test(text) ? Number(text) : undefined;
}

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

export interface StoredUser {
  username: string;
  passwordHash: string;
}

/**
 * Accounts. A store that finds an account's record damaged keeps the name reserved and the account locked
 * (issue #15: damage never frees a name): `find` does not return it, `exists` does, `create` refuses it, and
 * only `resetPassword` (the operator's `npm run reset-password`) makes it usable again.
 */
export interface UserRepository {
  /** The account, when its record is readable; undefined for an unknown or a locked name. */
  find(username: string): Promise<StoredUser | undefined>;
  /** Adds the user durably. Returns false, changing nothing, when the name is already taken or locked. */
  create(user: StoredUser): Promise<boolean>;
  /** True for every account, locked ones included. */
  exists(username: string): boolean | Promise<boolean>;
  /** True when the name belongs to an account whose record is damaged: it cannot log in until a reset. */
  isLocked(username: string): boolean | Promise<boolean>;
  /** When the account was made (ISO 8601), for the export (issue #17); null where the store never kept it. */
  createdAt(username: string): Promise<string | null>;
  /**
   * Gives the account a new password hash, durably (unlocking it when it was locked), and ends every session
   * of that user. Returns false, changing nothing, when there is no such account.
   */
  resetPassword(username: string, passwordHash: string): Promise<boolean>;
  /**
   * True when the account was deleted by its owner (issue #17): the name is reserved forever by a tombstone
   * (text store: a `name;!deleted` line in usuarios.txt; PostgreSQL: `users.deleted_at`), so nobody can log
   * in or sign up with it. `find` does not return it; `exists` does, and `create` refuses it.
   */
  isDeleted(username: string): boolean | Promise<boolean>;
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

export interface SearchQuery {
  /**
   * The words to find, already folded (NFD, marks removed, lower case: api/messaging/search-words.ts), each
   * at least 2 characters: a message matches when each is the start of one of its words.
   */
  words: string[];
  with?: string;
  /** Only messages below this sequence number (the oldest of the previous page). */
  before?: Seq;
  limit: number;
}

export interface SearchPage {
  /** Newest first. */
  messages: StoredMessage[];
  /** The oldest message's sequence number when there may be older matches, else null. */
  before: Seq | null;
}

export type AppendResult =
  | { kind: 'created'; message: StoredMessage }
  /** The same sender already sent this clientId with the same recipient and content. */
  | { kind: 'duplicate'; message: StoredMessage }
  /** The same sender already used this clientId for a different message. */
  | { kind: 'conflict'; message: StoredMessage };

export interface StreamPage {
  events: StoredEvent[];
  /** Sequence number of the last event returned, or the `after` given when there was none. */
  last: Seq;
}

export interface HistoryQuery {
  with?: string;
  /** Only messages below this sequence number (the oldest of the previous page); absent for the newest page. */
  before?: Seq;
  limit: number;
}

export interface HistoryPage {
  messages: StoredMessage[];
  /** The oldest message's sequence number when there are older ones, else null. */
  before: Seq | null;
}

/** A message of a history export (issue #17): messages the user hid (delete for me) are in it too, flagged. */
export interface ExportedStoredMessage extends StoredMessage {
  hidden?: true;
}

export interface ExportPage {
  /** Oldest first. */
  messages: ExportedStoredMessage[];
  /** The last message's sequence number, where the next page starts; null when there was none above `after`. */
  last: Seq | null;
}

/**
 * What a read mark did: `not_found` when no readable message of that conversation has that number. A store
 * says what happened; the domain (api/messaging/) says it to the person, in one wording for both stores.
 */
export type MarkReadOutcome = 'marked' | 'not_found';

/** What an acknowledgement did; the domain says it to the person (cursor_expired), one wording for both stores. */
export type AcknowledgeOutcome =
  /** `senders`: whose streams got a status event (none when it acknowledged nothing new). */
  | { kind: 'acknowledged'; senders: readonly string[] }
  /** Above every position ever handed out: a cursor kept from data since restored from an older backup. */
  | { kind: 'not_handed_out' };

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

/**
 * A session as the stores keep it: what a login put in it, and its cookie, whose `expires` is when it ends
 * unless used again. It is the HTTP layer's session written out (api/http/session-store-adapter.ts hands it
 * to the session library), kept here in plain types so the stores do not depend on that library (issue #16). Absent fields are sessions made before they existed.
 */
export interface SessionContent {
  cookie: SessionContentCookie;
  username?: string;
  /** When this login happened (ms): sessions end after SESSION_MAX_DAYS however active. */
  loggedInAt?: number;
  /** The User-Agent the session logged in with, cut short: how its owner tells their devices apart (issue #17). */
  userAgent?: string;
}

/** The cookie of a session as it is written out: a Date in memory, its ISO text once stored. */
export interface SessionContentCookie {
  /** The idle lifetime the cookie was given (ms). */
  originalMaxAge: number | null;
  expires?: Date | string | null;
  secure?: boolean | 'auto';
  httpOnly?: boolean;
  path?: string;
  domain?: string;
  sameSite?: boolean | 'lax' | 'strict' | 'none';
}

/**
 * Who is told when sessions end (issue #15, item 5): the long-poll hub, which answers their held polls. Keys
 * are `sessionKey(sid)` (./session-key.ts).
 */
export interface SessionEndWatcher {
  /** These sessions ended: destroyed (logout, the absolute lifetime, a new id at login). */
  ended(keys: readonly string[]): void;
  /** The sessions the watcher cares about now; a store that may have missed some ends checks these. */
  held(): Iterable<string>;
}

/** A live session of a user, as the store keeps it: its key (`sessionKey(sid)`) and its record. */
export interface StoredSession {
  key: string;
  data: SessionContent;
}

/**
 * Sessions, kept where the store keeps its data. They are looked up by session id; a store keeps only
 * `sessionKey(sid)`, so a copy of the data logs nobody in.
 */
export interface SessionRepository {
  /** The live session `sid` names; undefined when there is none or it expired. A fresh object: callers change it. */
  get(sid: string): Promise<SessionContent | undefined>;
  /** Stores `record` as session `sid`, durably; it expires at `record.cookie.expires` (or after the store's lifetime). */
  set(sid: string, record: SessionContent): Promise<void>;
  /**
   * Moves session `sid`'s expiry on to `record.cookie.expires` (rolling sessions do it on every request). The
   * stores keep that cheap: an expiry moved by less than an hour is not written.
   */
  touch(sid: string, record: SessionContent): Promise<void>;
  /** Ends session `sid` (a logout, the absolute lifetime, a new id at login) and announces it as `onSessionsEnded` says. */
  destroy(sid: string): Promise<void>;
  /** The live sessions of `username` (its devices, issue #17), in no particular order. */
  ofUser(username: string): Promise<StoredSession[]>;
  /**
   * Ends those of `keys` that are sessions of `username` (another user's keys are ignored), durably, and
   * announces them as a logout does, on every process: their cookies stop working at once and their held
   * polls are answered. Resolves with how many ended.
   */
  end(username: string, keys: readonly string[]): Promise<number>;
  /** A secret kept with the data, created on first use, for when the operator sets none. */
  generatedSecret(): Promise<{ secret: string; created: boolean }>;
  /**
   * Subscribes to the end of sessions, everywhere the data is served: on PostgreSQL a session destroyed
   * through one process is announced on every process. Returns the unsubscribe function.
   */
  onSessionsEnded(watcher: SessionEndWatcher): () => void;
}

/** A rate-limit counter: hits in the current fixed window, and when that window ends (ms since the epoch). */
export interface RateCounter {
  count: number;
  resetAt: number;
}

/**
 * Counters behind the login and sign-up limits (issue #6: "the limits are configurable and hold across a
 * restart"): a restart must not hand someone guessing passwords a fresh allowance. Keys are opaque strings
 * made by api/accounts/login-limits.ts (e.g. `login-user:maria`, `login-addr:203.0.113.7`, `signup-addr:...`);
 * a store keeps them as they are. Windows are fixed: a key counts hits until `resetAt`, then starts again.
 *
 * Durability: a hit must survive a process restart (kill -9 included); losing the last hits to a power loss
 * is acceptable. Expired counters may be dropped at any time. Implementations must be safe for concurrent
 * calls; `hit` answers with the count after this hit, so two concurrent hits never both see 1.
 */
export interface RateLimitRepository {
  /** The counter for `key` at `now`; `{count: 0}` when it has none or its window ended. */
  get(key: string, now: number): Promise<RateCounter>;
  /** Adds one hit to `key`, starting a window of `windowMs` at `now` when there is none running. */
  hit(key: string, windowMs: number, now: number): Promise<RateCounter>;
  /** Forgets `key` (a successful login clears the failures counted against its username). */
  reset(key: string): Promise<void>;
}

/** Who may see a person's last seen and online status (issue #19, item 11). */
export type LastSeenVisibility = 'everyone' | 'nobody';

/** What a person says about themself, and when they were last seen (ms since the epoch). */
export interface StoredProfile {
  username: string;
  /** Shown instead of the username where set; null: the username. */
  displayName: string | null;
  lastSeenVisibility: LastSeenVisibility;
  lastSeenAt: number | null;
  /** The attachment (issue #18) that is this person's photo, claimed by them for it; null: none. */
  photo: string | null;
}

export interface ProfileChange {
  displayName?: string | null;
  photo?: string | null;
  lastSeenVisibility?: LastSeenVisibility;
}

/**
 * Profiles (issue #19, items 11 and 12). A person's settings are acknowledged, so durable before `update`
 * resolves. Last-seen times are written in batches (`recordLastSeen`, about once a minute), off every
 * request's path: a kill -9 keeps them, a power loss may cost the last batch, which only makes a "last seen"
 * a minute older. A store that finds a profile record damaged must hide that person's last seen (the
 * narrower setting), never fall back to showing it.
 */
export interface ProfileRepository {
  /** Profiles of these usernames, in that order; a user who never set anything gets the defaults. */
  get(usernames: readonly string[]): Promise<StoredProfile[]>;
  /** Changes the profile durably; returns it as now stored. */
  update(username: string, change: ProfileChange): Promise<StoredProfile>;
  /** Moves last-seen times forward (never back: several processes may report one user). */
  recordLastSeen(seen: ReadonlyMap<string, number>): Promise<void>;
}

/**
 * Ephemeral signals (issue #19, items 10 and 11): never stored, but heard by every process serving the data
 * (on PostgreSQL through NOTIFY), this one at once. `local` says this process sent it.
 */
export type Signal = { kind: 'typing'; from: string; to: string } | { kind: 'seen'; user: string; at: number };

export interface SignalChannel {
  publish(signal: Signal): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: (signal: Signal, local: boolean) => void): () => void;
}

/** A device's Web Push subscription (issue #17), kept under the key of the session that registered it. */
export interface StoredPushSubscription {
  /** `sessionKey(sid)` of the session (device) it belongs to: logging out removes it. */
  sessionKey: string;
  username: string;
  /** The push service's URL for this device (https). */
  endpoint: string;
  /** The device's P-256 public key (65 bytes) and auth secret (16 bytes), base64url: the payload is encrypted to them. */
  p256dh: string;
  auth: string;
  /** ISO 8601, UTC. */
  createdAt: string;
}

/**
 * Web Push subscriptions and the server's VAPID keys (issue #17), kept with the data. A subscription is
 * durable once `save` resolves. Devices register again at every start of the app, so a subscription lost to
 * damage comes back by itself; a lost key pair is the one thing that ends them all (vapid-keys.ts).
 */
export interface PushRepository {
  /** The key pair, made and kept on first use (text store: at open). */
  vapidKeys(): Promise<VapidKeys & { created: boolean }>;
  /**
   * Keeps `sub`, replacing the one of the same session and any other with the same endpoint (the same browser
   * logged in again). 'limit' and nothing changed when the user would hold more than `limitPerUser`.
   */
  save(sub: StoredPushSubscription, limitPerUser: number): Promise<'saved' | 'limit'>;
  /** Forgets the subscriptions of these sessions (logout, a session ended); how many there were. */
  removeSessions(keys: readonly string[]): Promise<number>;
  /** Forgets the subscription with this endpoint (the push service said it is gone: 404/410). */
  removeEndpoint(endpoint: string): Promise<void>;
  forUser(username: string): Promise<StoredPushSubscription[]>;
}

/**
 * Who may write to whom (issue #17). From the moment `blocker` blocks `blocked`, the store withholds messages
 * from `blocked` to `blocker`: they stay in the sender's history and stream as "sent" forever (the sender is
 * not told), and never reach the blocker's stream, history, conversations or unread counts. Blocks are durable.
 */
export interface BlockRepository {
  /** Whom `blocker` blocked, and when (ISO 8601). */
  list(blocker: string): Promise<{ username: string; at: string }[]>;
  isBlocked(blocker: string, blocked: string): Promise<boolean>;
  /** Durably; false when it was blocked already. */
  block(blocker: string, blocked: string): Promise<boolean>;
  /** Durably; false when it was not blocked. Messages withheld meanwhile stay withheld. */
  unblock(blocker: string, blocked: string): Promise<boolean>;
}

/**
 * What `Store.deleteAccount` did (issue #17): `grew` are the users whose streams grew, whose polls the domain
 * wakes (none today: a deletion changes nobody else's history); `not_found` when there is no such account, or
 * it was deleted already.
 */
export type AccountDeletion = { kind: 'deleted'; grew: string[] } | { kind: 'not_found' };

/** Called after events became durable, with the users whose streams grew. */
export type StreamListener = (users: readonly string[]) => void;

export * from './attachment-repository.js';

export interface Store {
  readonly users: UserRepository;
  /** Uploaded files and who may read them (issue #18). */
  readonly attachments: AttachmentRepository;
  readonly messages: MessageRepository;
  readonly sessions: SessionRepository;
  readonly blocks: BlockRepository;
  /**
   * Rate-limit counters kept with the data. Optional so a store can be built first: without it the server
   * counts in memory (api/accounts/login-limits.ts MemoryRateLimits), and the limits reset on restart.
   */
  readonly rateLimits?: RateLimitRepository;
  readonly profiles: ProfileRepository;
  readonly signals: SignalChannel;
  /** Web Push subscriptions and VAPID keys (issue #17). */
  readonly push: PushRepository;
  /**
   * Subscribes to the streams grown by other processes serving the same data, once durable: on PostgreSQL
   * the NOTIFY each commit sends (stream-notifications.ts). A write through this process is not told here:
   * the domain wakes its polls itself (api/messaging/). The text store's folder is held by one process, so it
   * never calls. Returns the unsubscribe function.
   */
  onStreamsGrewElsewhere(listener: StreamListener): () => void;
  /**
   * Deletes an account for good (issue #17, "Delete my account"), in this order so that a crash leaves it
   * either deleted or still to finish, never half open: the tombstone that reserves the name first; then
   * every session (announced as a logout is, on every process), push subscription, the profile and photo,
   * the blocks by or of them, the messages still queued for them, the files only they could reach, and last
   * their own history. What they sent stays with the people they sent it to; what they received stays in its
   * senders' histories untouched, text and status (the sender's copy is the sender's: nothing acknowledged is
   * ever lost). A store finishes at start a deletion a crash interrupted.
   */
  deleteAccount(username: string): Promise<AccountDeletion>;
  /** Waits for the writes in flight, then releases files, locks and connections. */
  close(): Promise<void>;
}
