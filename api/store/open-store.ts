import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { PostgresStore } from './postgres/postgres-store.js';
import type { Store } from './store.js';
import { TextStore } from './text/text-store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface StoreHooks {
  /** A query failed because the database was unreachable (metrics). */
  onUnavailable?: (err: unknown) => void;
}

/** True when the configuration asks for PostgreSQL: STORE=postgres, or DATABASE_URL set and STORE unset. */
export function usesPostgres(config: Readonly<Config>): boolean {
  return config.STORE === 'postgres' || (config.STORE === undefined && config.DATABASE_URL !== undefined);
}

/** Opens the store the configuration asks for: the text files in DATA_DIR by default, PostgreSQL (issue #5) on request. */
export async function openStore(
  config: Readonly<Config>,
  log: Logger,
  hashPassword: (plain: string) => Promise<string>,
  hooks: StoreHooks = {},
): Promise<Store> {
  const sessionTtlMs = config.SESSION_IDLE_DAYS * DAY_MS;
  if (usesPostgres(config) && config.DATABASE_URL !== undefined) {
    return PostgresStore.open({
      url: config.DATABASE_URL,
      poolSize: config.PG_POOL_SIZE,
      log,
      sessionTtlMs,
      ...(hooks.onUnavailable ? { onUnavailable: hooks.onUnavailable } : {}),
    });
  }
  return TextStore.open({ dataDir: config.DATA_DIR, log, hashPassword, sessionTtlMs });
}
