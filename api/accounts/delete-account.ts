import { AppError } from '../errors.js';
import type { Store, UserRepository } from '../store/store.js';
import { checkCurrentPassword } from './current-password.js';
import type { LoginLimits } from './login-limits.js';
import type { PasswordHasher } from './password-hasher.js';

/**
 * "Delete my account" (issue #17): only with the password, as a password change (a session left open on a
 * borrowed phone must not be enough), with wrong guesses counted against the login limits. The store does the
 * rest (store.ts `deleteAccount`): the name stays reserved forever, and what the person sent stays with the
 * people they sent it to.
 */
export async function deleteAccount(
  users: UserRepository,
  deletions: AccountDeletions,
  hasher: PasswordHasher,
  limits: LoginLimits,
  username: string,
  password: string,
): Promise<void> {
  await checkCurrentPassword(users, hasher, limits, username, password);
  const done = await deletions.store.deleteAccount(username);
  if (done.kind === 'not_found') throw new AppError('not_authenticated', 'this account no longer exists; log in again');
  // Durable now: wake whoever's stream the store says grew.
  deletions.wake(done.grew);
}

/** Where deletions go, and who wakes the polls of the streams a deletion grew (the long-poll hub). */
export interface AccountDeletions {
  store: Pick<Store, 'deleteAccount'>;
  wake(users: readonly string[]): void;
}

/** A deleted account's name: nobody may log in or sign up with it (issue #17). */
export const usernameUnavailable = (username: string): AppError =>
  new AppError(
    'username_unavailable',
    `the username ${JSON.stringify(username)} belonged to an account that was deleted; it cannot be used again`,
  );

/** The answer to a message or a typing signal for someone who deleted their account (issue #17). */
export const accountDeleted = (username: string): AppError =>
  new AppError('account_deleted', `${JSON.stringify(username)} deleted their account: nothing more can be sent to them`);
