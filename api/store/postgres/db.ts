import pg from 'pg';
import { StoreUnavailableError } from '../../errors.js';

/**
 * Errors that mean "the database cannot be reached right now" rather than "this query is wrong": refused or
 * dropped connections, an administrator's shutdown, a pool that could not get a connection in time. These
 * become 503 `unavailable` (issue #5: an outage is a clear 503, and the pool reconnects by itself).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '53400',
]);

export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i.test(
    err.message,
  );
}

export type Row = Record<string, unknown>;

/** The pool, with outages turned into StoreUnavailableError and counted. */
export class Db {
  private sent = 0;

  constructor(
    readonly pool: pg.Pool,
    private readonly onUnavailable: (err: unknown) => void,
  ) {}

  /**
   * Statements sent through query() since start: each is one round trip to PostgreSQL. A counted figure the
   * benchmark divides by the messages delivered (issue #20); the few explicit transactions of attachment
   * uploads and migrations run on a client of their own and are not in it.
   */
  get queries(): number {
    return this.sent;
  }

  /**
   * `name` makes it a prepared statement: planned once per connection instead of on every call. For the
   * statements every poll sends, whose planning cost ten times their execution (issue #20).
   */
  async query<R extends Row>(text: string, values: readonly unknown[] = [], name?: string): Promise<R[]> {
    this.sent++;
    try {
      const result = await this.pool.query<R>(
        name === undefined ? { text, values: values as unknown[] } : { name, text, values: values as unknown[] },
      );
      return result.rows;
    } catch (err) {
      throw this.translate(err);
    }
  }

  translate(err: unknown): unknown {
    if (!isUnavailable(err)) return err;
    this.onUnavailable(err);
    return new StoreUnavailableError('the database is unavailable; retry in a few seconds', err);
  }
}

/** `"name"` with quotes doubled: for identifiers that cannot be bind parameters (LISTEN). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
