import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../api/config.js';
import { createLogger, type Logger } from '../../api/logger.js';
import { startServer, type RunningServer } from '../../api/server.js';

/** A real Papo server on port 0 over a temp data folder, as the tests use it. */
export interface TestServer {
  url: string;
  dataDir: string;
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
export async function startTestServer(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await tempDir());
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SESSION_SECRET: TEST_SECRET,
    BCRYPT_COST: '10',
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const logs: string[] = [];
  const log: Logger = createLogger({
    level: config.LOG_LEVEL,
    destination: { write: (line: string) => logs.push(line) } as unknown as NodeJS.WritableStream,
  });
  const running = await startServer(config, log);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await running.close();
  };
  return {
    url: running.url,
    dataDir,
    config,
    running,
    logs,
    stop,
    async destroy() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
