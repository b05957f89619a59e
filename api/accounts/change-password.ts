import { AppError } from '../errors.js';
import type { UserRepository } from '../store/store.js';
import { newPasswordProblem } from './new-password.js';
import { checkCurrentPassword } from './current-password.js';
import type { LoginLimits } from './login-limits.js';
import { normalizePassword } from './password.js';
import type { PasswordHasher } from './password-hasher.js';

/**
 * A logged-in user changes their password (issue #17): only with the current one, since a session left open
 * on a borrowed phone must not be enough to take the account over. The new password meets the rules of new
 * accounts. Every session of the user ends with the change (`resetPassword`): whoever had the old password
 * is logged out everywhere; the caller logs the device that asked back in with a new session. Wrong current
 * passwords count against the login limits (current-password.ts).
 */
export async function changePassword(
  users: UserRepository,
  hasher: PasswordHasher,
  limits: LoginLimits,
  username: string,
  current: string,
  next: string,
): Promise<void> {
  await checkCurrentPassword(users, hasher, limits, username, current);
  const newPassword = normalizePassword(next);
  const problem = newPasswordProblem(newPassword, username);
  if (problem !== undefined) throw new AppError('invalid_password', problem);
  if (!(await users.resetPassword(username, await hasher.hash(newPassword)))) {
    throw new AppError('not_authenticated', 'this account no longer exists; log in again');
  }
}
