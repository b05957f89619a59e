import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import type { Message, StreamEvent } from '../../api/contract.js';
import { REPO_ROOT } from '../../api/server.js';
import { tempDir } from '../support/server.js';
import { cookieFromHeaders } from '../support/cookies.js';

/** A real `npx tsx api/main.ts` process on a database, in its own process group so kill -9 reaches it all. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: string[];
  /** kill -9 of the whole process group: no shutdown, no flush. */
  crash(): void;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export async function startProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = await tempDir('papo-proc-');
  const child = spawn('npx', ['tsx', 'api/main.ts'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
      BCRYPT_COST: '10',
      SESSION_SECRET: '',
      ...env,
    },
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => rm(dataDir, { recursive: true, force: true }));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join('')}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const m = /"url":"(http:[^"]+)"/.exec(output.join(''));
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output.join('')}`)));
  });
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  return {
    url,
    child,
    output,
    crash: () => signal('SIGKILL'),
    async stop() {
      signal('SIGTERM');
      await exited;
    },
  };
}

/** The union of the answers these tests read. */
export interface ReplyBody {
  message?: Message;
  events?: StreamEvent[];
  cursor?: string;
  messages?: Message[];
  before?: string | null;
  error?: { code: string; message: string };
}

/** A minimal cookie-jar client on fetch: one user on one process, or the same cookie on another. */
export class Client {
  cookie = '';
  constructor(public base: string) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: ReplyBody }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(this.cookie ? { cookie: this.cookie } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const set = cookieFromHeaders(res.headers);
    if (set) this.cookie = set;
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ReplyBody) : {} };
  }

  /** The same session against another process. */
  on(base: string): Client {
    const c = new Client(base);
    c.cookie = this.cookie;
    return c;
  }
}
