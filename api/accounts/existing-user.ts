import { AppError } from '../errors.js';
import { foldUsername } from '../names/username.js';
import type { UserRepository } from '../store/store.js';

/** A username from a request (`field`) that must name an existing account: folded, or a 400/404 AppError. */
export async function existingUsername(users: Pick<UserRepository, 'exists'>, raw: string, field: string): Promise<string> {
  const name = foldUsername(raw);
  if (!name.ok) throw new AppError('invalid_username', `${field}: ${name.reason}`);
  if (!(await users.exists(name.username))) throw new AppError('user_not_found', `there is no user named ${JSON.stringify(name.username)}`);
  return name.username;
}
