import { AppError } from '../errors.js';
import type { UserRepository } from '../store/store.js';
import { isCommonPassword } from './common-passwords.js';
import type { LoginLimits } from './login-limits.js';
import { MAX_PASSWORD_BYTES, MIN_NEW_PASSWORD_BYTES, NEW_PASSWORD_RULE, PASSWORD_LENGTH_RULE, passwordBytes } from './password.js';
import type { PasswordHasher } from './password-hasher.js';
import { foldUsername } from './username.js';

export interface LoginResult {
  username: string;
  created: boolean;
}

export interface Accounts {
  /**
   * The old system's login: an unknown username creates the account with this password, a known one logs in.
   * `address` is the client's address, for the brute-force limits.
   */
  loginOrRegister(username: string, password: string, address?: string): Promise<LoginResult>;
}

export function createAccounts(users: UserRepository, hasher: PasswordHasher, limits?: LoginLimits): Accounts {
  async function logIn(username: string, password: string, hash: string, address: string): Promise<LoginResult> {
    if (await hasher.verify(password, hash)) {
      await limits?.loginSucceeded(username);
      return { username, created: false };
    }
    await limits?.loginFailed(username, address);
    throw new AppError('wrong_password', 'wrong password for this username');
  }

  return {
    async loginOrRegister(rawName, password, address = 'unknown') {
      const name = foldUsername(rawName);
      if (!name.ok) throw new AppError('invalid_username', name.reason);
      const { username } = name;
      const bytes = passwordBytes(password);
      if (bytes > MAX_PASSWORD_BYTES) throw new AppError('invalid_password', PASSWORD_LENGTH_RULE);
      await limits?.checkLogin(username, address);
      const existing = await users.find(username);
      if (existing) return logIn(username, password, existing.passwordHash, address);
      if (bytes < MIN_NEW_PASSWORD_BYTES) throw new AppError('invalid_password', NEW_PASSWORD_RULE);
      if (isCommonPassword(password))
        throw new AppError('invalid_password', 'this password is one of the most common ones, which are tried first; choose another');
      await limits?.checkSignup(address);
      const passwordHash = await hasher.hash(password);
      if (await users.create({ username, passwordHash })) {
        await limits?.signedUp(address);
        return { username, created: true };
      }
      // Someone signed up with this name while we hashed: it is their account now, so this is a login.
      const winner = await users.find(username);
      if (!winner) throw new AppError('unavailable', 'could not create the account; try again');
      return logIn(username, password, winner.passwordHash, address);
    },
  };
}
