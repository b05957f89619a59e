import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import { Router, type RequestHandler } from 'express';
import type { PollResponse, ReadRequest, SendRequest, SendResponse } from '../../contract.js';
import type { Messaging } from '../../messaging/messaging.js';
import { jsonBody } from '../json-body.js';
import type { LaneRoute } from '../message-lane.js';
import { compileOperation } from '../operation-validator.js';
import { checkSameOrigin } from '../same-origin.js';
import { apiAnswerHeaders } from '../security-headers.js';
import { currentUser, type SessionCheck } from '../session.js';

export const DEFAULT_WAIT_SECONDS = 25;

/** What the message routes report to /metrics (api/metrics.ts). */
export interface MessageObserver {
  /** A send answered 201; its request came in at `startedAt` (performance.now()). */
  sent(startedAt: number): void;
  /** A poll answer handed these events to `user`. */
  delivered(user: string, events: PollResponse['events']): void;
}

export interface MessageRouteDeps {
  messaging: Messaging;
  /** The lean session check (`createSessionCheck` in ../session.ts). */
  session: SessionCheck;
  /** The parsed openapi.yaml: the routes validate against its own schemas. */
  spec: unknown;
  observer?: MessageObserver;
}

/** The query of a request URL, parsed as Express's default ('simple') parser does: a repeated parameter is an array. */
function queryOf(url: string | undefined): Record<string, unknown> {
  const q = url?.indexOf('?') ?? -1;
  return q < 0 || url === undefined ? {} : querystring.parse(url.slice(q + 1));
}

/** Writes a JSON answer with the API's headers (security, no-store, HSTS when `secure`) and the rolling cookie, when due. */
function answer(res: ServerResponse, status: number, body: unknown, secure: boolean, setCookie: string | undefined): void {
  const json = JSON.stringify(body);
  res.writeHead(status, [
    ...apiAnswerHeaders(secure),
    ...(setCookie === undefined ? [] : ['Set-Cookie', setCookie]),
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(json)),
  ]);
  res.end(json);
}

/**
 * Send and the long-poll receive: every message crosses both (the sender's send, the recipient's poll), so
 * they run outside the Express app (../message-lane.ts), on Node's own request and response, with only what
 * they need: the same-origin check, the lean session check, the JSON body parser (send), validators
 * compiled from openapi.yaml, and one `writeHead` with the API's headers. What it saves was measured
 * (docs/performance.md): Express's router, request and response cost CPU on every message, and a held poll
 * kept about 5 KB more in memory (thousands are held at once, for up to 50 s). Their errors go to the app's
 * one error handler, like any route's.
 */
export function messageRoutes({ messaging, session, spec, observer }: MessageRouteDeps): { send: LaneRoute; poll: LaneRoute } {
  const validateSend = compileOperation(spec, '/api/messages', 'post');
  const validatePoll = compileOperation(spec, '/api/messages', 'get');
  const json = jsonBody() as unknown as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
  const readJson = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<unknown>((resolve, reject) => json(req, res, (err) => (err ? reject(err) : resolve((req as { body?: unknown }).body))));

  const send: LaneRoute = async (req, res, where) => {
    const startedAt = performance.now();
    checkSameOrigin(req.headers, () => where.origin);
    const { username, setCookie } = await session(req.headers.cookie, where.secure);
    const body = await readJson(req, res);
    validateSend({ query: queryOf(req.url), body, headers: req.headers });
    const { message, created } = await messaging.send(username, body as SendRequest);
    const reply: SendResponse = { message };
    answer(res, created ? 201 : 200, reply, where.secure, setCookie);
    if (created) observer?.sent(startedAt);
  };

  const poll: LaneRoute = async (req, res, where) => {
    // Before anything else: a poll with a cursor acknowledges (issue #15, item 4).
    checkSameOrigin(req.headers, () => where.origin);
    const { username: user, session: heldBy, setCookie } = await session(req.headers.cookie, where.secure);
    const query = validatePoll({ query: queryOf(req.url), body: undefined, headers: req.headers });
    // 'close' on the response fires when the client goes away before we answer: stop holding its poll, also
    // when it went while the poll was still acknowledging (before it handed over its stop).
    let gone = false;
    let stopHolding: (() => void) | undefined;
    res.on('close', () => {
      if (res.writableFinished) return;
      gone = true;
      stopHolding?.();
    });
    const after = typeof query.after === 'string' ? query.after : undefined;
    const body = await messaging.poll(user, {
      ...(after === undefined ? {} : { after }),
      waitSeconds: typeof query.wait === 'number' ? query.wait : DEFAULT_WAIT_SECONDS,
      session: heldBy,
      onGone: (stop) => {
        if (gone) stop();
        else stopHolding = stop;
      },
    });
    if (res.destroyed) return;
    observer?.delivered(user, body.events);
    answer(res, 200, body, where.secure, setCookie);
  };

  return { send, poll };
}

/** Read receipts: not on every message's path, so behind the app's generic API middleware. */
export function readReceiptRoutes(messaging: Messaging, requireUser: RequestHandler): Router {
  const router = Router();
  router.post('/api/messages/read', requireUser, async (req, res) => {
    const { with: peer, upTo } = req.body as ReadRequest;
    await messaging.markRead(currentUser(res), peer, upTo);
    res.status(204).end();
  });
  return router;
}
