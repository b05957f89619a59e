import type { TextState } from './text-state.js';

/** A text data folder as the migration tool reads it (TextStore.copySource). */
export interface TextCopySource {
  /** Every readable account: name and password hash. */
  accounts: ReadonlyMap<string, string>;
  /** Accounts whose line is damaged (account-file.ts): a copy must not free their names. */
  locked: readonly string[];
  /** Accounts deleted by their owners (a tombstone, issue #17): a copy must not free their names either. */
  deleted: readonly string[];
  committedSeq: number;
  /** The oldest message not yet delivered to `username`, if any (delivery is a prefix). */
  firstUndelivered(username: string): number | undefined;
  /** Read with records.ts's decodeHistory. */
  historyFile(username: string): string;
  /** Read with session-records.ts's decodeSession. */
  sessionsFile: string;
  sessionSecretFile: string;
}

/** What the migration tool copies (api/store/migrate/), read-only: the public face it reads a folder through. */
export function copySourceOf(state: TextState): TextCopySource {
  const { users, locked, deleted, queue, seq, files } = state;
  return {
    accounts: new Map(users),
    locked: [...locked.keys()],
    deleted: [...deleted],
    committedSeq: seq.committed,
    firstUndelivered: (username) => queue.firstUndelivered(username),
    historyFile: (username) => files.history(username),
    sessionsFile: files.sessions,
    sessionSecretFile: files.sessionSecret,
  };
}
