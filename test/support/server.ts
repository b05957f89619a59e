import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { loadConfig, type Config } from '../../api/config.js';
import { createLogger, type Logger } from '../../api/logger.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { BASE_DATABASE_URL, createTestSchema, dropTestSchema, schemaOf } from './postgres.js';

export type StoreKind = 'text' | 'postgres';

/**
 * The stores the suite runs against (issue #5: the same tests, parameterised): PostgreSQL only when
 * DATABASE_URL names a cluster to test on.
 */
export const STORES: readonly StoreKind[] = ['text', ...(BASE_DATABASE_URL ? (['postgres'] as const) : [])];
if (!BASE_DATABASE_URL && firstInThisRun('postgres-skip-notice')) console.warn('postgres: skipped, DATABASE_URL not set');

/** True in one test file per run: files run in forks of one vitest process, which a marker file names. */
function firstInThisRun(what: string): boolean {
  try {
    writeFileSync(path.join(os.tmpdir(), `papo-${what}-${process.ppid}`), '', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

/** A real Papo server on port 0 over a temp data folder, as the tests use it. */
export interface TestServer {
  url: string;
  dataDir: string;
  store: StoreKind;
  /** For `postgres`: the DATABASE_URL of its own schema (pass it back to restart on the same data). */
  databaseUrl?: string;
  config: Readonly<Config>;
  running: RunningServer;
  /** Lines the server logged (JSON), for tests that check what it reported. */
  logs: string[];
  /** Stops the server; the data folder stays (restart tests reuse it). */
  stop(): Promise<void>;
  /** Stops the server and deletes its data folder. */
  destroy(): Promise<void>;
}

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

export async function tempDir(prefix = 'papo-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Starts a server; `env` overrides the configuration (any variable api/config.ts reads). */
export async function startTestServer(
  options: { dataDir?: string; env?: Record<string, string>; store?: StoreKind; databaseUrl?: string; pwa?: RequestHandler } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await tempDir());
  const store = options.store ?? 'text';
  const databaseUrl = store === 'postgres' ? (options.databaseUrl ?? (await createTestSchema()).url) : undefined;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SESSION_SECRET: TEST_SECRET,
    BCRYPT_COST: '10',
    LOG_LEVEL: 'info',
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl, STORE: 'postgres' }),
    ...options.env,
  });
  const logs: string[] = [];
  const log: Logger = createLogger({
    level: config.LOG_LEVEL,
    destination: { write: (line: string) => logs.push(line) } as unknown as NodeJS.WritableStream,
  });
  const running = await startServer(config, log, options.pwa ? { pwa: options.pwa } : {});
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await running.close();
  };
  return {
    url: running.url,
    dataDir,
    store,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    config,
    running,
    logs,
    stop,
    async destroy() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
      const schema = databaseUrl === undefined ? undefined : schemaOf(databaseUrl);
      if (schema !== undefined) await dropTestSchema(schema);
    },
  };
}
