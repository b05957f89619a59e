/** A rate-limit counter: hits in the current fixed window, and when that window ends (ms since the epoch). */
export interface RateCounter {
  count: number;
  resetAt: number;
}

/**
 * Counters behind the login and sign-up limits (issue #6: "the limits are configurable and hold across a
 * restart"): a restart must not hand someone guessing passwords a fresh allowance. Keys are opaque strings
 * made by api/accounts/login-limits.ts (e.g. `login-user:maria`, `login-addr:203.0.113.7`, `signup-addr:...`);
 * a store keeps them as they are. Windows are fixed: a key counts hits until `resetAt`, then starts again.
 *
 * Durability: a hit must survive a process restart (kill -9 included); losing the last hits to a power loss
 * is acceptable. Expired counters may be dropped at any time. Implementations must be safe for concurrent
 * calls; `hit` answers with the count after this hit, so two concurrent hits never both see 1.
 */
export interface RateLimitRepository {
  /** The counter for `key` at `now`; `{count: 0}` when it has none or its window ended. */
  get(key: string, now: number): Promise<RateCounter>;
  /** Adds one hit to `key`, starting a window of `windowMs` at `now` when there is none running. */
  hit(key: string, windowMs: number, now: number): Promise<RateCounter>;
  /** Forgets `key` (a successful login clears the failures counted against its username). */
  reset(key: string): Promise<void>;
}
