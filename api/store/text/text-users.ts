import type { StoredUser, UserRepository } from '../store.js';
import { encodeUser } from './records.js';
import type { TextStore } from './text-store.js';

/** Accounts in `usuarios.txt`: all of them in memory, new ones appended through the journal; damaged ones locked (account-file.ts). */
export class TextUsers implements UserRepository {
  /** Sign-ups on their way to the disk, so two sign-ups of one name cannot both win. */
  private readonly creating = new Map<string, Promise<void>>();

  constructor(private readonly store: TextStore) {}

  async find(username: string): Promise<StoredUser | undefined> {
    const passwordHash = this.store.state.users.get(username);
    return passwordHash === undefined ? undefined : { username, passwordHash };
  }

  exists(username: string): boolean {
    const { users, locked } = this.store.state;
    return users.has(username) || locked.has(username);
  }

  isLocked(username: string): boolean {
    return this.store.state.locked.has(username);
  }

  resetPassword(username: string, passwordHash: string): Promise<boolean> {
    return this.store.resetAccount(username, passwordHash);
  }

  async create(user: StoredUser): Promise<boolean> {
    const inFlight = this.creating.get(user.username);
    if (inFlight) {
      // The other sign-up wins if it lands; after this, find() sees its account.
      await inFlight.catch(() => undefined);
      return false;
    }
    if (this.exists(user.username)) return false;
    const write = this.store.state.committer.submit([{ kind: 'append', file: 'u', line: encodeUser(user) }], () => undefined);
    this.creating.set(user.username, write);
    try {
      await write;
      return true;
    } finally {
      this.creating.delete(user.username);
    }
  }
}
