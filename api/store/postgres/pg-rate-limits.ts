import type { RateCounter, RateLimitRepository } from '../store.js';
import type { Db } from './db.js';

/** Hits between two sweeps of expired counters. */
const SWEEP_EVERY = 1000;

/**
 * The login and sign-up counters in PostgreSQL (`rate_limits`, migration 005): shared by every process and
 * kept across restarts. A hit is one upsert, so two concurrent hits never both see a count of 1.
 */
export class PgRateLimits implements RateLimitRepository {
  private hits = 0;

  constructor(private readonly db: Db) {}

  async get(key: string, now: number): Promise<RateCounter> {
    const [row] = await this.db.query<{ count: number; reset_at: string }>('SELECT count, reset_at FROM rate_limits WHERE key = $1', [key]);
    return row && Number(row.reset_at) > now ? { count: row.count, resetAt: Number(row.reset_at) } : { count: 0, resetAt: now };
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateCounter> {
    const [row] = await this.db.query<{ count: number; reset_at: string }>(
      `INSERT INTO rate_limits (key, count, reset_at) VALUES ($1, 1, $2::bigint + $3::bigint)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_limits.reset_at > $2::bigint THEN rate_limits.count + 1 ELSE 1 END,
         reset_at = CASE WHEN rate_limits.reset_at > $2::bigint THEN rate_limits.reset_at ELSE $2::bigint + $3::bigint END
       RETURNING count, reset_at`,
      [key, now, windowMs],
    );
    if (++this.hits % SWEEP_EVERY === 0) await this.db.query('DELETE FROM rate_limits WHERE reset_at <= $1', [now]);
    return { count: row?.count ?? 1, resetAt: Number(row?.reset_at ?? now + windowMs) };
  }

  async reset(key: string): Promise<void> {
    await this.db.query('DELETE FROM rate_limits WHERE key = $1', [key]);
  }
}
