/**
 * What the two floors share (floor-server.ts on files, floor-postgres.ts on PostgreSQL): the benchmark's
 * cookies, Papo's answer and error shapes, the send body and the poll query as the floor reads them, and the
 * server with its /healthz, /metrics and stop on SIGTERM. In one place so that the floors pay the same HTTP
 * costs and differ only in their store (issue #20: Papo on PostgreSQL is read against the floor on it).
 *
 * Environment: HOST, PORT, DATA_DIR (holds floor-users.json: {"<cookie header>": "<username>"}),
 * FLOOR_HEADERS (none or papo), FLOOR_WORK (none or papo: Papo's records, floor-server.ts, and its session
 * cookie read as Papo reads it, with Papo's headers).
 */
import * as cookie from 'cookie';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { SESSION_COOKIE } from '../../api/http/session.js';
import { apiAnswerHeaders } from '../../api/http/security-headers.js';

/** FLOOR_WORK=papo: the floor keeps Papo's records and reads its session cookie (floor-server.ts). */
export const papoWork = process.env.FLOOR_WORK === 'papo';
const extraHeaders = papoWork || process.env.FLOOR_HEADERS === 'papo' ? apiAnswerHeaders(false) : [];

/** The most events a poll answer holds, as Papo's. */
export const MAX_EVENTS = 100;

/** The folder the benchmark seeded: floor-users.json, and the text floor's journal. */
export function floorDataDir(): string {
  const dataDir = process.env.DATA_DIR;
  if (dataDir === undefined) throw new Error('the floor needs DATA_DIR, the folder with floor-users.json');
  return dataDir;
}

export function answer(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, [
    ...extraHeaders,
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(json)),
  ]);
  res.end(json);
}

/** Bad input gets Papo's error shape; the floor is driven by the benchmark only, but it never crashes on it. */
export function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  answer(res, status, { error: { code, message } });
}

/** Reads a send's JSON body; answers 400 itself when it is not `{to, content}` with two strings. */
export function readSend(req: IncomingMessage, res: ServerResponse, then: (to: string, content: string) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: { to?: unknown; content?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return refuse(res, 400, 'invalid_json', 'the body is not JSON');
    }
    const { to, content } = body;
    if (typeof to !== 'string' || typeof content !== 'string') {
      return refuse(res, 400, 'invalid_request', '"to" and "content" must be strings');
    }
    then(to, content);
  });
}

export interface PollQuery {
  /** The cursor (0 without one). */
  after: number;
  /** A cursor was passed: in Papo it acknowledges what it covers. */
  acknowledges: boolean;
  waitMs: number;
}

/** Reads a poll's `after` and `wait`; answers 400 itself (and gives undefined) when they are out of range. */
export function readPoll(url: URL, res: ServerResponse): PollQuery | undefined {
  const afterText = url.searchParams.get('after');
  const after = afterText === null ? 0 : Number(afterText);
  const waitMs = Number(url.searchParams.get('wait') ?? 25) * 1000;
  if (!Number.isSafeInteger(after) || after < 0 || !(waitMs >= 0 && waitMs <= 50_000)) {
    refuse(res, 400, 'invalid_query', '"after" must be a cursor and "wait" 0 to 50 seconds');
    return undefined;
  }
  return { after, acknowledges: afterText !== null, waitMs };
}

export interface FloorStore {
  send(from: string, req: IncomingMessage, res: ServerResponse): void;
  poll(user: string, url: URL, res: ServerResponse): void;
  /** Polls held now, for /metrics (the benchmark waits until every recipient's is held). */
  heldPolls(): number;
  /** On SIGTERM: answers every held poll (empty), so the server can close. */
  releaseAll(): void;
  /** Once the server is closed: whatever the store holds open. */
  close(): Promise<void> | void;
}

/** Listens on HOST:PORT and answers the benchmark's sends and polls with `store`; stops on SIGTERM. */
export function serveFloor(store: FloorStore): void {
  const usersByCookie = new Map(
    Object.entries(JSON.parse(readFileSync(path.join(floorDataDir(), 'floor-users.json'), 'utf8')) as Record<string, string>),
  );
  // Papo verifies a cookie's signature once and remembers the value (api/http/fast-path/session-check.ts): a
  // request's own work is parsing the header and a lookup, which FLOOR_WORK=papo does.
  const usersBySessionCookie = new Map([...usersByCookie].map(([header, user]) => [cookie.parse(header)[SESSION_COOKIE], user]));
  const userOf = (header: string | undefined): string | undefined => {
    if (!papoWork) return usersByCookie.get(header ?? '');
    const value = header === undefined ? undefined : cookie.parse(header)[SESSION_COOKIE];
    return value === undefined ? undefined : usersBySessionCookie.get(value);
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://floor');
    if (url.pathname === '/healthz') return void res.end('ok');
    if (url.pathname === '/metrics') return void res.end(`papo_held_polls ${store.heldPolls()}\n`);
    const user = userOf(req.headers.cookie);
    if (url.pathname !== '/api/messages') return refuse(res, 404, 'not_found', 'the floor answers /api/messages only');
    if (user === undefined) return refuse(res, 401, 'not_authenticated', "not one of the benchmark's cookies");
    if (req.method === 'POST') return store.send(user, req, res);
    if (req.method === 'GET') return store.poll(user, url, res);
    refuse(res, 405, 'method_not_allowed', 'GET or POST');
  });
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => {
    store.releaseAll();
    server.close(() => {
      void Promise.resolve(store.close()).then(() => process.exit(0));
    });
    server.closeIdleConnections();
  });
}
