import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET } from '../../support/server.js';
export { freePort } from '../../support/free-port.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The real server (`api/main.ts`) as a child process: what `npm start` runs, killable with SIGKILL. */
export class ChildServer {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  /** stderr and non-JSON stdout, for the failure message. */
  readonly output: string[] = [];

  constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly env: Record<string, string> = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts it and waits until /healthz answers. `node --import tsx` rather than `npx tsx`: npx and the tsx
   * CLI are parent processes of the server, and SIGKILL must hit the server itself, not a wrapper.
   */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        // The text store on this data folder, whatever DATABASE_URL the test run has.
        STORE: 'text',
        DATABASE_URL: '',
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        SESSION_SECRET: TEST_SECRET,
        BCRYPT_COST: '10',
        LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout?.on('data', (b: Buffer) => this.output.push(b.toString()));
    child.stderr?.on('data', (b: Buffer) => this.output.push(b.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) at start:\n${this.output.join('')}`);
      const ok = await fetch(`${this.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(25);
    }
    throw new Error(`server did not start:\n${this.output.join('')}`);
  }

  /** kill -9. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, the graceful stop; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child?.kill('SIGTERM');
    return this.exited;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
