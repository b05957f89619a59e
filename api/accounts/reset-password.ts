import { AppError } from '../errors.js';
import type { UserRepository } from '../store/store.js';
import { newPasswordProblem } from './new-password.js';
import { normalizePassword } from './password.js';
import { foldUsername } from '../names/username.js';

/**
 * The operator's way out for a locked account (issue #15), and for a forgotten password: `npm run
 * reset-password`. The new password meets a new account's rules and is hashed in the same form
 * (normalizePassword); the store writes the new hash durably, unlocks the account and ends its sessions.
 * Resolves with the account's name.
 */
export async function resetPassword(
  users: UserRepository,
  hashPassword: (plain: string) => Promise<string>,
  rawName: string,
  password: string,
): Promise<string> {
  const name = foldUsername(rawName);
  if (!name.ok) throw new AppError('invalid_username', name.reason);
  const newPassword = normalizePassword(password);
  const problem = newPasswordProblem(newPassword, name.username);
  if (problem !== undefined) throw new AppError('invalid_password', problem);
  if (!(await users.resetPassword(name.username, await hashPassword(newPassword)))) {
    throw new AppError('user_not_found', `there is no account named ${name.username}`);
  }
  return name.username;
}
