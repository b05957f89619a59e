import type { Message, StreamEvent } from '../../api/contract.js';
import { cookieFromHeaders } from '../support/cookies.js';
import type { ServerProcessOptions } from '../support/server-process.js';

/**
 * A server process on the PostgreSQL schema of `databaseUrl`, started as production starts several: without
 * SESSION_SECRET, so the first generates one and keeps it in the database and the others read it there.
 */
export function onDatabase(databaseUrl: string): Partial<ServerProcessOptions> {
  return { databaseUrl, env: { SESSION_SECRET: '' } };
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
