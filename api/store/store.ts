import type { AttachmentRepository } from './attachment-repository.js';
import type { BlockRepository } from './block-repository.js';
import type { MessageRepository } from './message-repository.js';
import type { ProfileRepository } from './profile-repository.js';
import type { PushRepository } from './push-repository.js';
import type { RateLimitRepository } from './rate-limit-repository.js';
import type { SessionRepository } from './session-repository.js';
import type { SignalChannel } from './signal-channel.js';
import type { UserRepository } from './user-repository.js';

// The boundary's types live one concept a file beside this one (issue #16); importers take them all from here.
export * from './attachment-repository.js';
export * from './block-repository.js';
export * from './message-pages.js';
export * from './message-repository.js';
export * from './profile-repository.js';
export * from './push-repository.js';
export * from './rate-limit-repository.js';
export * from './sequence-number.js';
export * from './session-repository.js';
export * from './signal-channel.js';
export * from './stored-message.js';
export * from './user-repository.js';

/**
 * What `Store.deleteAccount` did (issue #17): `grew` are the users whose streams grew, whose polls the domain
 * wakes (none today: a deletion changes nobody else's history); `not_found` when there is no such account, or
 * it was deleted already.
 */
export type AccountDeletion = { kind: 'deleted'; grew: string[] } | { kind: 'not_found' };

/** Called after events became durable, with the users whose streams grew. */
export type StreamListener = (users: readonly string[]) => void;

/**
 * The storage boundary. The HTTP layer and the domain only ever see these interfaces; the text-file store
 * (`text/`) implements them on the data folder, and a PostgreSQL store implements the same contract.
 */
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
