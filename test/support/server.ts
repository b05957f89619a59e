import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { loadConfig, type Config } from '../../api/config.js';
import { startServer, type RunningServer, type ServerOptions } from '../../api/server.js';
import { cleanupAfterEach } from './after-each.js';
import { captureLog, type CapturedLog } from './log.js';
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
  /** What the server logged, for tests that check what it reported. */
  log: CapturedLog;
  /** Stops the server; the data folder stays (restart tests reuse it). */
  stop(): Promise<void>;
  /** Stops the server and deletes its data folder. */
  destroy(): Promise<void>;
}

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

export async function tempDir(prefix = 'papo-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export interface TestServerOptions {
  /** The data folder; a fresh temporary one unless given. */
  dataDir?: string;
  /** Overrides the configuration: any variable api/config.ts reads. */
  env?: Record<string, string>;
  store?: StoreKind;
  /** For `postgres`: the schema to use (another server's, to restart on its data); a fresh one unless given. */
  databaseUrl?: string;
  /** What serves the pages outside /api (the PWA's place). */
  pwa?: RequestHandler;
  /** Builds the request listener from the server's parts (api/server.ts); the fast path's parity tests build two. */
  app?: ServerOptions['app'];
  /** Web Push tuning (api/server.ts): the agent that trusts a push-service stand-in, short retries. */
  push?: ServerOptions['push'];
}

/** Starts a server; the caller destroys it (most tests let testServers() do that). */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
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
  const log = captureLog(config.LOG_LEVEL);
  const running = await startServer(config, log.logger, {
    ...(options.pwa ? { pwa: options.pwa } : {}),
    ...(options.app ? { app: options.app } : {}),
    ...(options.push ? { push: options.push } : {}),
  });
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
    log,
    stop,
    async destroy() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
      const schema = databaseUrl === undefined ? undefined : schemaOf(databaseUrl);
      if (schema !== undefined) await dropTestSchema(schema);
    },
  };
}

/**
 * Real servers for a test file's tests, each destroyed (stopped, its data folder and schema removed) after the
 * test that started it. Call once, at the top of the file.
 *
 * @example
 * const servers = testServers();
 * it('when ..., then ...', async () => {
 *   const s = await servers.start({ store });
 *   const again = await servers.restart(s); // the same data, a new process's state
 * });
 */
export function testServers(): {
  start(options?: TestServerOptions): Promise<TestServer>;
  /** Stops `server` and starts another on its data (folder, or PostgreSQL schema), with `options` added. */
  restart(server: TestServer, options?: TestServerOptions): Promise<TestServer>;
} {
  const defer = cleanupAfterEach();
  const start = async (options: TestServerOptions = {}) => {
    const s = await startTestServer(options);
    defer(() => s.destroy());
    return s;
  };
  return {
    start,
    async restart(server, options = {}) {
      await server.stop();
      return start({
        store: server.store,
        dataDir: server.dataDir,
        ...(server.databaseUrl ? { databaseUrl: server.databaseUrl } : {}),
        ...options,
      });
    },
  };
}
