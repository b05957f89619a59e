import { AppError } from '../errors.js';
import type { StoredUser, UserRepository } from '../store/store.js';
import type { LoginLimits } from './login-limits.js';
import { loginCandidates } from './password.js';
import type { PasswordHasher } from './password-hasher.js';

/**
 * A logged-in user proves they know their password before a change that takes the account (a new password)
 * or ends it (its deletion, issue #17). Wrong guesses count against the login limits (login-limits.ts
 * `beginPasswordCheck`): past them, a 429 with Retry-After, as a login gets. Answers the account.
 */
export async function checkCurrentPassword(
  users: UserRepository,
  hasher: PasswordHasher,
  limits: LoginLimits,
  username: string,
  password: string,
): Promise<StoredUser> {
  const attempt = await limits.beginPasswordCheck(username);
  try {
    const account = await users.find(username);
    if (!account) throw new AppError('not_authenticated', 'this account no longer exists; log in again');
    for (const candidate of loginCandidates(password)) {
      if (await hasher.verify(candidate, account.passwordHash)) {
        await attempt.succeeded();
        return account;
      }
    }
    await attempt.failed();
    throw new AppError('wrong_password', 'the current password is wrong');
  } finally {
    attempt.done();
  }
}
