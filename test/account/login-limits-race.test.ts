/**
 * The login limits read the stored count and the attempts in flight: a database answers the count as it was
 * when the read began, and an attempt that failed meanwhile left the in-flight set before the answer came.
 * Taken after the read, that attempt was counted nowhere, and one more guess than the limit was checked
 * (seen under load on PostgreSQL: 6 of a burst of 30 with a limit of 5).
 */
import { describe, expect, it } from 'vitest';
import { createLoginLimits, MemoryRateLimits } from '../../api/accounts/login-limits.js';
import type { RateCounter } from '../../api/store/store.js';

/** Counts kept in memory, answered as a database would: read when asked, handed back when `release` is called. */
class SnapshotRateLimits extends MemoryRateLimits {
  private readonly held: (() => void)[] = [];

  override async get(key: string, now: number): Promise<RateCounter> {
    const snapshot = await super.get(key, now);
    await new Promise<void>((resolve) => this.held.push(resolve));
    return snapshot;
  }

  /** Answers the reads asked for so far. */
  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }

  get waiting(): number {
    return this.held.length;
  }
}

const settings = {
  failuresPerUsername: 0,
  failuresPerDevice: 0,
  failuresPerAddress: 1,
  loginWindowMs: 60_000,
  signupsPerAddress: 0,
  signupWindowMs: 60_000,
};

describe('login limits while the count is being read', () => {
  it('when an attempt fails while the next one reads the count, then the next one is refused at a limit of 1', async () => {
    const counters = new SnapshotRateLimits();
    const limits = createLoginLimits(counters, settings);
    const client = { address: '203.0.113.7' };

    const first = limits.beginLogin('maria', client);
    await expect.poll(() => counters.waiting).toBe(1);
    counters.release();
    const attempt = await first;
    // The second guess reads the count (0) while the first is still being checked.
    const second = limits.beginLogin('maria', client);
    await expect.poll(() => counters.waiting).toBe(1);
    // The first fails: stored, then no longer in flight, both before the second's read is answered.
    await attempt.failed();
    attempt.done();
    counters.release();
    await expect(second).rejects.toMatchObject({ status: 429 });
  });
});
