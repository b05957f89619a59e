import { foldUsername } from '../names/username.js';
import type { BlockedUser } from '../contract.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';

export interface Blocking {
  list(user: string): Promise<BlockedUser[]>;
  /** Idempotent: blocking again changes nothing. */
  block(user: string, other: string): Promise<void>;
  /** Idempotent. Messages withheld while blocked stay withheld. */
  unblock(user: string, other: string): Promise<void>;
}

/**
 * Who may write to me (issue #17): the use-cases over the store's block list. What a block does to messages
 * is the store's (it withholds them in the send's own write, store.ts BlockRepository); the conversation list
 * leaves blocked people out (messaging.ts).
 */
export function createBlocking(store: Pick<Store, 'blocks' | 'users'>): Blocking {
  async function other(raw: string, user: string): Promise<string> {
    const name = foldUsername(raw);
    if (!name.ok) throw new AppError('invalid_username', name.reason);
    if (name.username === user) throw new AppError('invalid_request', 'you cannot block yourself');
    if (!(await store.users.exists(name.username))) {
      throw new AppError('user_not_found', `there is no user named ${JSON.stringify(name.username)}`);
    }
    return name.username;
  }

  return {
    list: (user) => store.blocks.list(user),
    async block(user, raw) {
      await store.blocks.block(user, await other(raw, user));
    },
    async unblock(user, raw) {
      await store.blocks.unblock(user, await other(raw, user));
    },
  };
}
