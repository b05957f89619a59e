import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cleanupAfterEach } from './after-each.js';
import { buildServer, SERVER_BUNDLE } from './build-server.js';
import { freePort } from './free-port.js';
import { TEST_SECRET, tempDir } from './server.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What `npm start` gets in the tests, unless a test says otherwise. */
export interface ServerProcessOptions {
  dataDir: string;
  port: number;
  /** PostgreSQL instead of the text store: the DATABASE_URL of the test's own schema. */
  databaseUrl?: string;
  /** Anything api/config.ts reads; '' unsets a variable (the configuration reads '' as absent). */
  env?: Record<string, string>;
}

/**
 * The real server in a process of its own, as `npm start` runs it (`node dist/papo.mjs`, built from api/
 * first): killable with SIGKILL, restartable on the same folder and port. `node` itself rather than
 * `npm start`: npm is a parent process of the server, and a signal must hit the server itself, not a wrapper.
 */
export class ServerProcess {
  private child: ChildProcess | undefined;
  /** The exit code of the last launch (null when killed by a signal); pending while it runs. */
  exited: Promise<number | null> = Promise.resolve(null);
  /** What the process wrote, for the test's assertions and the failure message. */
  stdout = '';
  stderr = '';

  constructor(readonly options: ServerProcessOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get dataDir(): string {
    return this.options.dataDir;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process without waiting for it: for a start that should be refused. */
  launch(): void {
    const { databaseUrl, env = {} } = this.options;
    buildServer();
    const child = spawn(process.execPath, [SERVER_BUNDLE], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        // The text store on its data folder unless told, whatever DATABASE_URL the test run has.
        STORE: databaseUrl === undefined ? 'text' : 'postgres',
        DATABASE_URL: databaseUrl ?? '',
        PORT: String(this.options.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.options.dataDir,
        SESSION_SECRET: TEST_SECRET,
        BCRYPT_COST: '10',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout?.on('data', (b: Buffer) => (this.stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()));
  }

  /**
   * Starts it and waits until /healthz answers: generous, since on a loaded 2-core machine a start can take
   * many seconds.
   */
  async start(): Promise<void> {
    this.launch();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`server exited (${String(await this.exited)}) at start:\n${this.output()}`);
      const ok = await fetch(`${this.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(25);
    }
    throw new Error(`server did not start:\n${this.output()}`);
  }

  /** kill -9: no shutdown, no flush. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, the graceful stop; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child?.kill('SIGTERM');
    return this.exited;
  }

  output(): string {
    return `${this.stdout}${this.stderr}`;
  }
}

/**
 * Server processes for a test file's tests: each is killed after the test that made it, if still running,
 * and the data folders made for them are removed. Call once, at the top of the file.
 */
export function serverProcessesPerTest(): {
  /** A server process on a fresh folder (or `dataDir`) and a free port, not started yet. */
  make(options?: Partial<ServerProcessOptions>): Promise<ServerProcess>;
  /** The same, started: /healthz answers. */
  start(options?: Partial<ServerProcessOptions>): Promise<ServerProcess>;
} {
  const defer = cleanupAfterEach();
  const make = async (options: Partial<ServerProcessOptions> = {}) => {
    let dataDir = options.dataDir;
    if (dataDir === undefined) {
      const made = await tempDir('papo-proc-');
      defer(() => rm(made, { recursive: true, force: true }));
      dataDir = made;
    }
    const p = new ServerProcess({ ...options, dataDir, port: options.port ?? (await freePort()) });
    defer(() => (p.running ? p.kill() : undefined));
    return p;
  };
  return {
    make,
    async start(options) {
      const p = await make(options);
      await p.start();
      return p;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
