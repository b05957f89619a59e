import type { TokenKey } from '../store.js';
import type { BlockListFile } from './block-list-file.js';
import type { Disk } from './disk.js';
import type { TextState } from './text-state.js';
import type { UserHistory } from './user-history.js';

/**
 * What the text store's repositories (text-messages.ts, text-users.ts, ...) are given of it (issue #16): the
 * state in use (its committer, queue, accounts and sequence numbers), the history files, the clock and the
 * disk. Not the store itself: a repository cannot reach its neighbours, its
 * reload loop or its open and close, and the files import each other in no circle.
 */
export interface TextContext {
  /** The state in use; a reload after a disk failure replaces it, so it is read again at each use. */
  readonly state: TextState;
  /** A user's history, loaded on first use and kept indexed in memory. */
  history(username: string): Promise<UserHistory>;
  now(): Date;
  readonly disk: Disk;
  /** The key of this data set's ids and cursors. */
  readonly tokenKey: TokenKey & { created: boolean };
  /** Ends every session of a user (a password reset). */
  endSessionsOf(username: string): Promise<void>;
  /** Whether message `seq` still has a line in mensagens.txt. */
  isQueued(seq: number): boolean;
  /** Takes the text of messages deleted for everyone out of the files, at the next quiet points (deleted-text-scrub.ts). */
  scrubLater(users: readonly string[], seqs: number | readonly number[], queued: boolean): void;
  /** Takes the text an edit replaced out of the files, within the same bound (deleted-text-scrub.ts). */
  scrubEditLater(users: readonly string[], seqs: number | readonly number[]): void;
  /** Who blocked whom (issue #17): a send to someone who blocked its sender is withheld. */
  readonly blocks: Pick<BlockListFile, 'has'>;
}
