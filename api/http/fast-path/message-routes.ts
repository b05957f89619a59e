import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { SendRequest } from '../../contract.js';
import { writeJson } from '../json-answer.js';
import { jsonBody } from '../json-body.js';
import type { HistoryPage } from '../routes/history.js';
import type { MessageHandlers } from '../routes/messages.js';
import { checkSameOrigin } from '../same-origin.js';
import { apiAnswerHeaders } from '../security-headers.js';
import { compileOperation } from './operation-validator.js';
import type { SessionCheck } from './session-check.js';
import { targetOf, type TargetOrigin } from './target-origin.js';

/** A route of the fast path, on Node's own request and response; it rejects to have its error answered. */
export type FastRoute = (req: IncomingMessage, res: ServerResponse, target: TargetOrigin) => Promise<void>;

export interface FastRoutes {
  send: FastRoute;
  poll: FastRoute;
  history: FastRoute;
}

export interface FastRouteDeps {
  handlers: MessageHandlers;
  historyPage: HistoryPage;
  session: SessionCheck;
  /** The parsed openapi.yaml: the routes validate against its own schemas. */
  spec: unknown;
}

/** The query of a request target, as Express's default ('simple') parser reads it: a repeated parameter is an array. */
export function queryOf(url: string): Record<string, unknown> {
  const q = url.indexOf('?');
  return q < 0 ? {} : querystring.parse(url.slice(q + 1));
}

/**
 * A whole JSON answer with the API's headers (../security-headers.ts, HSTS when `secure`) and, when due, the
 * rolling cookie, in one `writeHead`: the poll sets nothing before it answers, or every held poll would keep
 * its headers in memory.
 */
function answer(res: ServerResponse, status: number, body: unknown, secure: boolean, setCookie: string | undefined): void {
  writeJson(res, status, body, setCookie === undefined ? apiAnswerHeaders(secure) : [...apiAnswerHeaders(secure), 'Set-Cookie', setCookie]);
}

/**
 * Send, the long-poll receive and a history page on the fast path, in the order of the Express chain's checks
 * except one: the session comes before the body or query (index.ts, "Different on purpose").
 */
export function fastMessageRoutes({ handlers, historyPage, session, spec }: FastRouteDeps): FastRoutes {
  const validateSend = compileOperation(spec, '/api/messages', 'post');
  const validatePoll = compileOperation(spec, '/api/messages', 'get');
  const validateHistory = compileOperation(spec, '/api/history', 'get');
  const json = jsonBody() as unknown as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  const readJson = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<unknown>((resolve, reject) => json(req, res, (err) => (err ? reject(err) : resolve((req as { body?: unknown }).body))));

  const send: FastRoute = async (req, res, target) => {
    const startedAt = performance.now();
    checkSameOrigin(req.headers, () => target.origin);
    const { username, setCookie } = await session(req.headers.cookie, target.secure);
    const body = await readJson(req, res);
    validateSend({ query: queryOf(targetOf(req)), body, headers: req.headers });
    const sent = await handlers.send(username, body as SendRequest, startedAt);
    answer(res, sent.status, sent.body, target.secure, setCookie);
  };

  const poll: FastRoute = async (req, res, target) => {
    // Before anything else: a poll with a cursor acknowledges (issue #15, item 4).
    checkSameOrigin(req.headers, () => target.origin);
    const { username, session: heldBy, setCookie } = await session(req.headers.cookie, target.secure);
    const query = validatePoll({ query: queryOf(targetOf(req)), body: undefined, headers: req.headers });
    const events = await handlers.poll(username, heldBy, query, res);
    if (events !== undefined) answer(res, 200, events, target.secure, setCookie);
  };

  const history: FastRoute = async (req, res, target) => {
    checkSameOrigin(req.headers, () => target.origin);
    const { username, setCookie } = await session(req.headers.cookie, target.secure);
    const query = validateHistory({ query: queryOf(targetOf(req)), body: undefined, headers: req.headers });
    answer(res, 200, await historyPage(username, query), target.secure, setCookie);
  };

  return { send, poll, history };
}
