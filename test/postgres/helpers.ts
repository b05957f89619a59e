import { PostgresStore } from '../../api/store/postgres/postgres-store.js';
import type { Store } from '../../api/store/store.js';
import { TextStore } from '../../api/store/text/text-store.js';
import type { StoreKind } from '../support/server.js';
import { tempDir } from '../support/server.js';
import { captureLog } from '../support/log.js';
import { createTestSchema, dropTestSchema } from '../support/postgres.js';
import { rm } from 'node:fs/promises';

export const FIXED_NOW = new Date('2026-01-02T03:04:05.678Z');
export const HASH = '$2b$10$abcdefghijklmnopqrstuuKx9JZJ0cM5cQ8Q8Q8Q8Q8Q8Q8Q8Q8Q8';

/** A store of either kind on its own temp folder or schema; `open` gives another instance on the same data. */
export interface StoreUnderTest {
  store: Store;
  open(): Promise<Store>;
  /** Closes every instance and removes the data. */
  destroy(): Promise<void>;
  url?: string;
  /** The text store's data folder. */
  dir?: string;
}

export async function storeUnderTest(kind: StoreKind, options: { now?: () => Date } = {}): Promise<StoreUnderTest> {
  const log = captureLog().logger;
  const now = options.now ?? (() => FIXED_NOW);
  const opened: Store[] = [];
  if (kind === 'text') {
    const dir = await tempDir();
    const open = async () => {
      const s = await TextStore.open({ dataDir: dir, log, hashPassword: async (p) => `hashed:${p}`, sessionTtlMs: 60_000, now });
      opened.push(s);
      return s;
    };
    return {
      store: await open(),
      open,
      dir,
      destroy: async () => {
        for (const s of opened) await s.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const { schema, url } = await createTestSchema();
  const open = async () => {
    const s = await PostgresStore.open({ url, poolSize: 5, log, sessionTtlMs: 60_000, now });
    opened.push(s);
    return s;
  };
  return {
    store: await open(),
    open,
    url,
    destroy: async () => {
      for (const s of opened) await s.close();
      await dropTestSchema(schema);
    },
  };
}
