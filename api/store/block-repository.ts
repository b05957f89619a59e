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
