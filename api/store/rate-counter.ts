import type { RateCounter } from './store.js';

/** Ended windows are dropped once this many keys are counted: enough for a busy server, bounded for an attack. */
const PRUNE_ABOVE = 50_000;

/** Rate counters by key, in memory (a fixed window each): what both the memory and the file limits count with. */
export class RateCounters {
  private readonly byKey = new Map<string, RateCounter>();

  /** A key's counter at `now`: a window that has ended counts nothing. */
  get(key: string, now: number): RateCounter {
    const counter = this.byKey.get(key);
    return counter && counter.resetAt > now ? { ...counter } : { count: 0, resetAt: now };
  }

  /** Counts one more hit at `now` (a window that has ended starts a new one of `windowMs`); answers the counter. */
  hit(key: string, windowMs: number, now: number): RateCounter {
    const counter = this.byKey.get(key);
    const next =
      counter && counter.resetAt > now ? { count: counter.count + 1, resetAt: counter.resetAt } : { count: 1, resetAt: now + windowMs };
    this.byKey.set(key, next);
    if (this.byKey.size > PRUNE_ABOVE) for (const [k, c] of this.byKey) if (c.resetAt <= now) this.byKey.delete(k);
    return { ...next };
  }

  /** A counter as it was loaded or last counted, ended or not; undefined once forgotten. */
  stored(key: string): RateCounter | undefined {
    return this.byKey.get(key);
  }

  set(key: string, counter: RateCounter): void {
    this.byKey.set(key, counter);
  }

  /** Forgets a key; answers whether it was counted. */
  delete(key: string): boolean {
    return this.byKey.delete(key);
  }
}
