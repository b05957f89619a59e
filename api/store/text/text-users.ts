import type { Logger } from '../../logger.js';
import type { StoredUser, UserRepository } from '../store.js';
import { lockedAccounts, lockRecord, replaceAccountLine, writeTombstone, type AccountFile } from './account-file.js';
import { isOutOfSpace } from './disk.js';
import { decodeUser, encodeUser } from './records.js';
import type { TextContext } from './text-context.js';
import type { TextState } from './text-state.js';
import { USERS_FILE } from './journal.js';

/** Accounts in `usuarios.txt`: all of them in memory, new ones appended through the journal; damaged ones locked (account-file.ts). */
export class TextUsers implements UserRepository {
  /** Sign-ups on their way to the disk, so two sign-ups of one name cannot both win. */
  private readonly creating = new Map<string, Promise<void>>();

  /** `store`: the text store as its repositories see it (text-context.ts). */
  constructor(private readonly store: TextContext) {}

  async find(username: string): Promise<StoredUser | undefined> {
    const passwordHash = this.store.state.users.get(username);
    return passwordHash === undefined ? undefined : { username, passwordHash };
  }

  exists(username: string): boolean {
    const { users, locked, deleted } = this.store.state;
    return users.has(username) || locked.has(username) || deleted.has(username);
  }

  isDeleted(username: string): boolean {
    return this.store.state.deleted.has(username);
  }

  knownDeleted(username: string): boolean {
    return this.isDeleted(username);
  }

  /**
   * The first step of a deletion (issue #17): usuarios.txt rewritten whole (new file, fsync, rename, fsync of
   * the folder) with the name's lines replaced by its tombstone. From then on nobody logs in with the name;
   * the rest of the account goes after (account-deletion.ts). False when the name is no account.
   */
  async writeTombstone(username: string): Promise<boolean> {
    const state = this.store.state;
    if (!state.users.has(username) && !state.locked.has(username)) return false;
    await this.rewriteUsersFile(async (file) => {
      await writeTombstone(this.store.disk, file, username);
      // Marked before any batch may be submitted again: a send checks the mark in the turn it submits its
      // batch (text-sending.ts), so none is committed after the tombstone (issue #20).
      state.users.delete(username);
      state.locked.delete(username);
      state.deleted.add(username);
    });
    return true;
  }

  /** Rewrites usuarios.txt with no batch appending to it meanwhile, and opens the new file for appends. */
  private async rewriteUsersFile(rewrite: (file: string) => Promise<void>): Promise<void> {
    const state = this.store.state;
    await state.committer.drainAndSuspend(new Error('usuarios.txt is being rewritten'));
    const file = state.files.users;
    try {
      await state.usersFile.close();
      try {
        await rewrite(file);
      } finally {
        // Opened again whatever happened: the old file (a failed rewrite) or the new one.
        state.usersFile = await this.store.disk.open(file, 'a');
      }
    } finally {
      state.committer.recovered();
    }
  }

  isLocked(username: string): boolean {
    return this.store.state.locked.has(username);
  }

  /** usuarios.txt keeps a name and a hash per account, never when it was made (docs/storage.md). */
  async createdAt(): Promise<string | null> {
    return null;
  }

  /**
   * `npm run reset-password` on the text store (run with the server stopped: the folder lock sees to it):
   * rewrites usuarios.txt whole, without that name's damaged lines or lock records and with one new line,
   * then ends the user's sessions. False when the name is no account.
   */
  async resetPassword(username: string, passwordHash: string): Promise<boolean> {
    const state = this.store.state;
    if (!state.users.has(username) && !state.locked.has(username)) return false;
    await this.rewriteUsersFile((file) => replaceAccountLine(this.store.disk, file, username, passwordHash));
    state.users.set(username, passwordHash);
    state.locked.delete(username);
    await this.store.endSessionsOf(username);
    return true;
  }

  async create(user: StoredUser): Promise<boolean> {
    const inFlight = this.creating.get(user.username);
    if (inFlight) {
      // The other sign-up wins if it lands; after this, find() sees its account.
      await inFlight.catch(() => undefined);
      return false;
    }
    if (this.exists(user.username)) return false;
    const write = this.store.state.committer.submit([{ kind: 'append', file: USERS_FILE, line: encodeUser(user) }], () => undefined);
    this.creating.set(user.username, write);
    try {
      await write;
      return true;
    } finally {
      this.creating.delete(user.username);
    }
  }
}

/** Applies committed account lines (a sign-up, or its replay from the journal) to the state and usuarios.txt. */
export async function applyUserLines(state: TextState, lines: readonly string[]): Promise<void> {
  const { users, usersFile } = state;
  let data = '';
  for (const line of lines) {
    const d = decodeUser(line.slice(0, -1));
    // A journal replay of a user already there, or of the sign-up of an account deleted since (issue #17).
    if (!d.ok || users.has(d.value.username) || state.deleted.has(d.value.username)) continue;
    users.set(d.value.username, d.value.passwordHash);
    data += line;
  }
  if (data !== '') await usersFile.write(data);
}

/**
 * Reserves the names damage would otherwise free (account-file.ts), once the journal had its chance to
 * restore their lines, and says so in the log: an operator must run reset-password for each.
 */
export async function lockDamagedAccounts(state: TextState, file: AccountFile, log: Logger): Promise<void> {
  const { locked, marks } = await lockedAccounts(state.files.dir, file, state.users);
  if (marks.length > 0) {
    try {
      await state.usersFile.write(marks.map(lockRecord).join(''));
      await state.usersFile.datasync();
    } catch (err) {
      // A full disk (item 12) must not keep the server down. The names stay locked while it runs; after a
      // restart only a history file keeps reserving them, so the log says which they are.
      if (!isOutOfSpace(err)) throw err;
      log.error({ names: marks, err }, 'no room to write the lock records of damaged account lines: reset their passwords');
    }
  }
  for (const [username, reason] of locked) {
    state.locked.set(username, reason);
    log.error(
      { file: state.files.users, username, reason },
      'account locked: its name stays reserved, and it cannot log in until an operator runs npm run reset-password',
    );
  }
}
