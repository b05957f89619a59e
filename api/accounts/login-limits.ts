import { AppError } from '../errors.js';
import type { RateCounter, RateLimitRepository } from '../store/store.js';

/**
 * Brute-force limits on `POST /api/session` (issue #6): failed logins per username (so spreading guesses
 * over many addresses does not help) and per client address, and new accounts per address. Counted in the
 * store, so they hold across a restart. A limit of 0 turns that limit off.
 */
export interface LoginLimitSettings {
  failuresPerUsername: number;
  failuresPerAddress: number;
  loginWindowMs: number;
  signupsPerAddress: number;
  signupWindowMs: number;
}

export interface LoginLimits {
  /** Throws a 429 (with Retry-After) when this username or address may not try a login now. */
  checkLogin(username: string, address: string): Promise<void>;
  loginFailed(username: string, address: string): Promise<void>;
  loginSucceeded(username: string): Promise<void>;
  /** Throws a 429 when this address may not create another account now. */
  checkSignup(address: string): Promise<void>;
  signedUp(address: string): Promise<void>;
}

export function createLoginLimits(counters: RateLimitRepository, settings: LoginLimitSettings, now: () => number = Date.now): LoginLimits {
  const userKey = (u: string) => `login-user:${u}`;
  const addrKey = (a: string) => `login-addr:${a}`;
  const signupKey = (a: string) => `signup-addr:${a}`;

  async function refuseOver(key: string, limit: number, what: string): Promise<void> {
    if (limit <= 0) return;
    const c = await counters.get(key, now());
    if (c.count >= limit) throw tooMany(c, what);
  }

  return {
    async checkLogin(username, address) {
      await refuseOver(userKey(username), settings.failuresPerUsername, 'too many failed logins for this username');
      await refuseOver(addrKey(address), settings.failuresPerAddress, 'too many failed logins from your address');
    },
    async loginFailed(username, address) {
      if (settings.failuresPerUsername > 0) await counters.hit(userKey(username), settings.loginWindowMs, now());
      if (settings.failuresPerAddress > 0) await counters.hit(addrKey(address), settings.loginWindowMs, now());
    },
    async loginSucceeded(username) {
      if (settings.failuresPerUsername > 0) await counters.reset(userKey(username));
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
