import { AppError } from '../errors.js';
import type { RateCounter, RateLimitRepository } from '../store/store.js';
import { RateCounters } from '../store/rate-counter.js';

/**
 * Brute-force limits on `POST /api/session` (issue #6): failed logins per username (so spreading guesses
 * over many addresses does not help) and per client address, and new accounts per address. Counted in the
 * store, so they hold across a restart. A limit of 0 turns that limit off.
 *
 * Device cookies (issue #15, OWASP "Slow Down Online Guessing Attacks with Device Cookies"): the per-username
 * count is of the clients that have not logged in as that user before ("untrusted clients"), all together;
 * a client that shows a genuine device token for the username is counted on its own, so a stranger's
 * guesses lock out the strangers and not the owner's phone, and a stolen phone locks out only itself.
 */
export interface LoginLimitSettings {
  failuresPerUsername: number;
  failuresPerDevice: number;
  failuresPerAddress: number;
  loginWindowMs: number;
  signupsPerAddress: number;
  signupWindowMs: number;
}

/** Who is trying to log in: the client's address, and the device it proved it is (api/accounts/device-token.ts). */
export interface LoginClient {
  address: string;
  /** The id of a genuine device token for this username; absent for everyone else. */
  device?: string | undefined;
}

/**
 * A login or sign-up that counts against the limits from the moment it is let through until it ends, so a
 * burst sent all at once cannot pass the check together: the limits were read before bcrypt and counted
 * after it, and thirty parallel guesses were all verified against a limit of ten (issue #15, item 6).
 */
export interface PendingAttempt {
  /** The attempt failed (a wrong password): counted in the store. */
  failed(): Promise<void>;
  /** The attempt succeeded: clears the count it was charged to (a login) or counts it (a sign-up). */
  succeeded(): Promise<void>;
  /** No longer in flight, whatever its outcome; call it in a `finally`. Calling it twice changes nothing. */
  done(): void;
}

export interface LoginLimits {
  /** Lets a login attempt through, or throws a 429 (with Retry-After) when this client may not try one now. */
  beginLogin(username: string, client: LoginClient): Promise<PendingAttempt>;
  /** Lets a sign-up through, or throws a 429 when this address may not create another account now. */
  beginSignup(address: string): Promise<PendingAttempt>;
  /**
   * Lets a logged-in user's current-password check through (a password change, an account deletion, issue
   * #17), or throws a 429: an open session on a borrowed phone must not be a way to guess the password
   * without limit. Counted per account, under the per-device limit: it is always the owner's own device.
   */
  beginPasswordCheck(username: string): Promise<PendingAttempt>;
}

/** For a server configured without limits: every attempt goes through and nothing is counted. */
export const NO_LOGIN_LIMITS: LoginLimits = {
  beginLogin: async () => UNCOUNTED,
  beginSignup: async () => UNCOUNTED,
  beginPasswordCheck: async () => UNCOUNTED,
};
const UNCOUNTED: PendingAttempt = { failed: async () => undefined, succeeded: async () => undefined, done: () => undefined };

export function createLoginLimits(counters: RateLimitRepository, settings: LoginLimitSettings, now: () => number = Date.now): LoginLimits {
  const addrKey = (a: string) => `login-addr:${a}`;
  const signupKey = (a: string) => `signup-addr:${a}`;

  /** The per-account count an attempt is charged to: its own device's, or the one all strangers share. */
  function accountCount(username: string, device: string | undefined): { key: string; limit: number; what: string } {
    if (device !== undefined)
      return { key: `login-device:${device}`, limit: settings.failuresPerDevice, what: 'too many failed logins from this device' };
    return {
      // The key the per-username limit always had, so its counts carry over.
      key: `login-user:${username}`,
      limit: settings.failuresPerUsername,
      what: 'too many failed logins for this username from devices that have not logged in to it before',
    };
  }

  /** Attempts let through and not ended yet, per counter key: this process's share of the race. */
  const inFlight = new Map<string, number>();

  /** Counts an attempt as in flight on `keys` at once (before any await), and returns its release. */
  function reserve(keys: readonly string[]): () => void {
    for (const key of keys) inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of keys) {
        const left = inFlightOn(key) - 1;
        if (left === 0) inFlight.delete(key);
        else inFlight.set(key, left);
      }
    };
  }

  function inFlightOn(key: string): number {
    const n = inFlight.get(key);
    if (n === undefined || n < 1) throw new Error(`login limits: no attempt in flight on ${key}`);
    return n;
  }

  /** Refuses when the stored count and the other attempts in flight on `key` (they may all fail) reach `limit`. */
  async function refuseOver(key: string, limit: number, what: string): Promise<void> {
    if (limit <= 0) return;
    // The others in flight are taken before the stored count is read, never after: an attempt that fails
    // meanwhile is stored before it stops being in flight, so it is counted at least once. Taken after the
    // read, it could be in neither (seen under load on PostgreSQL: 6 of a burst of 30 checked, limit 5).
    const others = inFlightOn(key) - 1;
    const c = await counters.get(key, now());
    if (c.count + others >= limit) throw tooMany(c, what);
  }

  /** Reserves first, then checks: two attempts arriving together each see the other, so at worst both wait. */
  async function begin(checks: readonly { key: string; limit: number; what: string }[]): Promise<() => void> {
    const counted = checks.filter((c) => c.limit > 0);
    const release = reserve(counted.map((c) => c.key));
    try {
      for (const c of counted) await refuseOver(c.key, c.limit, c.what);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  return {
    async beginLogin(username, { address, device }) {
      const account = accountCount(username, device);
      const perAddress = { key: addrKey(address), limit: settings.failuresPerAddress, what: 'too many failed logins from your address' };
      const release = await begin([account, perAddress]);
      return {
        async failed() {
          if (account.limit > 0) await counters.hit(account.key, settings.loginWindowMs, now());
          if (perAddress.limit > 0) await counters.hit(perAddress.key, settings.loginWindowMs, now());
        },
        // Clears only the count this attempt was charged to: the owner logging in from a known device must not
        // hand the strangers guessing at the account a fresh allowance.
        async succeeded() {
          if (account.limit > 0) await counters.reset(account.key);
        },
        done: release,
      };
    },
    async beginPasswordCheck(username) {
      const check = {
        key: `password-check:${username}`,
        limit: settings.failuresPerDevice,
        what: 'too many wrong current passwords for this account',
      };
      const release = await begin([check]);
      return {
        async failed() {
          if (check.limit > 0) await counters.hit(check.key, settings.loginWindowMs, now());
        },
        async succeeded() {
          if (check.limit > 0) await counters.reset(check.key);
        },
        done: release,
      };
    },
    async beginSignup(address) {
      const perAddress = { key: signupKey(address), limit: settings.signupsPerAddress, what: 'too many new accounts from your address' };
      const release = await begin([perAddress]);
      return {
        failed: async () => undefined,
        async succeeded() {
          if (perAddress.limit > 0) await counters.hit(perAddress.key, settings.signupWindowMs, now());
        },
        done: release,
      };
    },
  };

  function tooMany(c: RateCounter, what: string): AppError {
    const seconds = Math.max(1, Math.ceil((c.resetAt - now()) / 1000));
    return new AppError('too_many_requests', `${what}; try again in ${seconds} s`, { headers: { 'Retry-After': String(seconds) } });
  }
}

/** Counters in memory, for a store that keeps none (they reset on restart). */
export class MemoryRateLimits implements RateLimitRepository {
  private readonly counters = new RateCounters();

  async get(key: string, now: number): Promise<RateCounter> {
    return this.counters.get(key, now);
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateCounter> {
    return this.counters.hit(key, windowMs, now);
  }

  async reset(key: string): Promise<void> {
    this.counters.delete(key);
  }
}
