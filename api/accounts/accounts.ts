import { AppError } from '../errors.js';
import type { UserRepository } from '../store/store.js';
import { changePassword } from './change-password.js';
import { deleteAccount, usernameUnavailable, type AccountDeletions } from './delete-account.js';
import type { DeviceTokens } from './device-token.js';
import { NO_LOGIN_LIMITS, type LoginClient, type LoginLimits, type PendingAttempt } from './login-limits.js';
import { newPasswordProblem } from './new-password.js';
import { PASSWORD_LENGTH_RULE, loginCandidates, normalizePassword } from './password.js';
import type { PasswordHasher } from './password-hasher.js';
import { foldUsername } from '../names/username.js';
import { newUsernameProblem } from './new-username.js';

export interface LoginResult {
  username: string;
  created: boolean;
  /** A new device token for the client that just logged in (api/accounts/device-token.ts). */
  deviceToken: string;
}

/** Where an attempt comes from, for the brute-force limits. */
export interface LoginAttempt {
  /** The client's address. */
  address?: string;
  /** The device token the client showed, if any: checked here against the username. */
  deviceToken?: string | undefined;
}

export interface Accounts {
  /** The old system's login: an unknown username creates the account with this password, a known one logs in. */
  loginOrRegister(username: string, password: string, attempt?: LoginAttempt): Promise<LoginResult>;
  /** Changes a logged-in user's password, given the current one; ends every session of theirs (change-password.ts). */
  changePassword(username: string, current: string, next: string): Promise<void>;
  /** Deletes a logged-in user's account for good, given their password (delete-account.ts). */
  deleteAccount(username: string, password: string): Promise<void>;
}

export const accountLocked = (): AppError =>
  new AppError(
    'account_locked',
    'this account is locked: its record on the server is damaged. An operator must reset its password (npm run reset-password).',
  );

export function createAccounts(
  users: UserRepository,
  hasher: PasswordHasher,
  devices: DeviceTokens,
  limits: LoginLimits = NO_LOGIN_LIMITS,
  /** Where deletions go; a server always passes its store (tests of logins alone may not). */
  deletions?: AccountDeletions,
): Accounts {
  async function logIn(username: string, candidates: string[], hash: string, attempt: PendingAttempt): Promise<LoginResult> {
    for (const candidate of candidates) {
      if (await hasher.verify(candidate, hash)) {
        await attempt.succeeded();
        return { username, created: false, deviceToken: devices.issue(username) };
      }
    }
    await attempt.failed();
    throw new AppError('wrong_password', 'wrong password for this username');
  }

  async function signUp(
    username: string,
    password: string,
    candidates: string[],
    address: string,
    login: PendingAttempt,
  ): Promise<LoginResult> {
    // A damaged account keeps its name (issue #15): neither its owner nor a stranger gets in until a reset.
    if (await users.isLocked(username)) throw accountLocked();
    // Only new accounts meet the rules of issue #15; accounts made before keep their names and passwords.
    const nameProblem = newUsernameProblem(username);
    if (nameProblem !== undefined) throw new AppError('invalid_username', nameProblem);
    const newPassword = normalizePassword(password);
    const passwordProblem = newPasswordProblem(newPassword, username);
    if (passwordProblem !== undefined) throw new AppError('invalid_password', passwordProblem);
    const signup = await limits.beginSignup(address);
    try {
      const passwordHash = await hasher.hash(newPassword);
      if (await users.create({ username, passwordHash })) {
        await signup.succeeded();
        return { username, created: true, deviceToken: devices.issue(username) };
      }
    } finally {
      signup.done();
    }
    // Someone signed up with this name while we hashed: it is their account now, so this is a login.
    const winner = await users.find(username);
    if (!winner && (await users.isLocked(username))) throw accountLocked();
    if (!winner) throw new AppError('unavailable', 'could not create the account; try again');
    return logIn(username, candidates, winner.passwordHash, login);
  }

  return {
    changePassword: (username, current, next) => changePassword(users, hasher, limits, username, current, next),

    async deleteAccount(username, password) {
      if (!deletions) throw new Error('createAccounts: no store given to delete accounts in');
      await deleteAccount(users, deletions, hasher, limits, username, password);
    },

    async loginOrRegister(rawName, password, { address = 'unknown', deviceToken } = {}) {
      const name = foldUsername(rawName);
      if (!name.ok) throw new AppError('invalid_username', name.reason);
      const { username } = name;
      // Reserved forever (issue #17): neither a login nor a sign-up may take a deleted account's name.
      if (await users.isDeleted(username)) throw usernameUnavailable(username);
      const candidates = loginCandidates(password);
      if (candidates.length === 0) throw new AppError('invalid_password', PASSWORD_LENGTH_RULE);
      const client: LoginClient = { address, device: devices.verify(deviceToken, username) };
      // Counted from here, before any bcrypt: a burst of guesses cannot all pass the check together.
      const attempt = await limits.beginLogin(username, client);
      try {
        const existing = await users.find(username);
        if (existing) return await logIn(username, candidates, existing.passwordHash, attempt);
        return await signUp(username, password, candidates, address, attempt);
      } finally {
        attempt.done();
      }
    },
  };
}
