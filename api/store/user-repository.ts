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
  /**
   * `isDeleted` where it costs no round trip, for checks made again where it counts (a send is refused by
   * the store's append, issue #20): exact on the text store; on PostgreSQL, true for the names this process
   * has seen deleted, false when it does not know.
   */
  knownDeleted(username: string): boolean;
}
