import { AppError } from '../errors.js';
import type { UserRepository } from '../store/store.js';
import type { LoginLimits } from './login-limits.js';
import { newPasswordProblem } from './new-password.js';
import { PASSWORD_LENGTH_RULE, loginCandidates, normalizePassword } from './password.js';
import type { PasswordHasher } from './password-hasher.js';
import { foldUsername, newUsernameProblem } from './username.js';

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
  async function logIn(username: string, candidates: string[], hash: string, address: string): Promise<LoginResult> {
    for (const candidate of candidates) {
      if (await hasher.verify(candidate, hash)) {
        await limits?.loginSucceeded(username);
        return { username, created: false };
      }
    }
    await limits?.loginFailed(username, address);
    throw new AppError('wrong_password', 'wrong password for this username');
  }

  return {
    async loginOrRegister(rawName, password, address = 'unknown') {
      const name = foldUsername(rawName);
      if (!name.ok) throw new AppError('invalid_username', name.reason);
      const { username } = name;
      const candidates = loginCandidates(password);
      if (candidates.length === 0) throw new AppError('invalid_password', PASSWORD_LENGTH_RULE);
      await limits?.checkLogin(username, address);
      const existing = await users.find(username);
      if (existing) return logIn(username, candidates, existing.passwordHash, address);
      // Only new accounts meet the rules of issue #15; accounts made before keep their names and passwords.
      const nameProblem = newUsernameProblem(username);
      if (nameProblem !== undefined) throw new AppError('invalid_username', nameProblem);
      const newPassword = normalizePassword(password);
      const passwordProblem = newPasswordProblem(newPassword, username);
      if (passwordProblem !== undefined) throw new AppError('invalid_password', passwordProblem);
      await limits?.checkSignup(address);
      const passwordHash = await hasher.hash(newPassword);
      if (await users.create({ username, passwordHash })) {
        await limits?.signedUp(address);
        return { username, created: true };
      }
      // Someone signed up with this name while we hashed: it is their account now, so this is a login.
      const winner = await users.find(username);
      if (!winner) throw new AppError('unavailable', 'could not create the account; try again');
      return logIn(username, candidates, winner.passwordHash, address);
    },
  };
}
