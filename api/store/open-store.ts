import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from './store.js';
import { TextStore } from './text/text-store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Opens the store the configuration asks for: the text files in DATA_DIR by default. */
export async function openStore(config: Readonly<Config>, log: Logger, hashPassword: (plain: string) => Promise<string>): Promise<Store> {
  return TextStore.open({ dataDir: config.DATA_DIR, log, hashPassword, sessionTtlMs: config.SESSION_IDLE_DAYS * DAY_MS });
}
