import { AppError } from '../errors.js';
import type { RateCounter, RateLimitRepository } from '../store/store.js';

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

export interface LoginLimits {
  /** Throws a 429 (with Retry-After) when this client may not try a login to this username now. */
  checkLogin(username: string, client: LoginClient): Promise<void>;
  loginFailed(username: string, client: LoginClient): Promise<void>;
  loginSucceeded(username: string, client: LoginClient): Promise<void>;
  /** Throws a 429 when this address may not create another account now. */
  checkSignup(address: string): Promise<void>;
  signedUp(address: string): Promise<void>;
}

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

  async function refuseOver(key: string, limit: number, what: string): Promise<void> {
    if (limit <= 0) return;
    const c = await counters.get(key, now());
    if (c.count >= limit) throw tooMany(c, what);
  }

  return {
    async checkLogin(username, { address, device }) {
      const account = accountCount(username, device);
      await refuseOver(account.key, account.limit, account.what);
      await refuseOver(addrKey(address), settings.failuresPerAddress, 'too many failed logins from your address');
    },
    async loginFailed(username, { address, device }) {
      const account = accountCount(username, device);
      if (account.limit > 0) await counters.hit(account.key, settings.loginWindowMs, now());
      if (settings.failuresPerAddress > 0) await counters.hit(addrKey(address), settings.loginWindowMs, now());
    },
    // Clears only the count this attempt was charged to: the owner logging in from a known device must not
    // hand the strangers guessing at the account a fresh allowance.
    async loginSucceeded(username, { device }) {
      const account = accountCount(username, device);
      if (account.limit > 0) await counters.reset(account.key);
    },
    async checkSignup(address) {
      await refuseOver(signupKey(address), settings.signupsPerAddress, 'too many new accounts from your address');
    },
    async signedUp(address) {
      if (settings.signupsPerAddress > 0) await counters.hit(signupKey(address), settings.signupWindowMs, now());
    },
  };

  function tooMany(c: RateCounter, what: string): AppError {
    const seconds = Math.max(1, Math.ceil((c.resetAt - now()) / 1000));
    return new AppError('too_many_requests', `${what}; try again in ${seconds} s`, { headers: { 'Retry-After': String(seconds) } });
  }
}

/** Counters in memory, for a store that keeps none (they reset on restart). */
export class MemoryRateLimits implements RateLimitRepository {
  private readonly counters = new Map<string, RateCounter>();

  async get(key: string, now: number): Promise<RateCounter> {
    const c = this.counters.get(key);
    return c && c.resetAt > now ? { ...c } : { count: 0, resetAt: now };
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateCounter> {
    const c = this.counters.get(key);
    const next = c && c.resetAt > now ? { count: c.count + 1, resetAt: c.resetAt } : { count: 1, resetAt: now + windowMs };
    this.counters.set(key, next);
    if (this.counters.size > 50_000) for (const [k, v] of this.counters) if (v.resetAt <= now) this.counters.delete(k);
    return { ...next };
  }

  async reset(key: string): Promise<void> {
    this.counters.delete(key);
  }
}
