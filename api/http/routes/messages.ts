import querystring from 'node:querystring';
import { Router, type RequestHandler } from 'express';
import type { PollResponse, ReadRequest, SendRequest, SendResponse } from '../../contract.js';
import type { Messaging } from '../../messaging/messaging.js';
import { jsonBody } from '../json-body.js';
import type { Chain, RawRoute } from '../message-lane.js';
import { compileOperation } from '../operation-validator.js';
import { sameOriginOnly } from '../same-origin.js';
import { apiAnswerHeaders, noStore } from '../security-headers.js';
import { currentUser, sessionCheckMiddleware, type SessionCheck } from '../session.js';

export const DEFAULT_WAIT_SECONDS = 25;

/** What the message routes report to /metrics (api/metrics.ts). */
export interface MessageObserver {
  /** Times a send, request to answer; mount first. */
  timeSend: RequestHandler;
  /** A poll answer handed these events to `user`. */
  delivered(user: string, events: PollResponse['events']): void;
}

export interface MessageRouteDeps {
  messaging: Messaging;
  /** The security headers every answer carries (../security-headers.ts). */
  headers: RequestHandler;
  /** The lean session check (`createSessionCheck` in ../session.ts). */
  session: SessionCheck;
  /** The parsed openapi.yaml: the routes validate against its own schemas. */
  spec: unknown;
  observer?: MessageObserver;
}

/**
 * Send and the long-poll receive: every message crosses both (the sender's send, the recipient's poll), so
 * they run only what they need, outside the app's router (../message-lane.ts): the security headers,
 * no-store, the same-origin check (send), the lean session check, the JSON body parser (send), and
 * validators compiled from openapi.yaml. Their errors go to the app's one error handler like any other
 * route's.
 *
 * The poll works on Node's own request and response, not Express's, and writes its headers only when it
 * answers: thousands are held at once for up to 50 s, and Express's request and response plus headers set
 * up front kept about 5 KB more per held poll in memory (docs/performance.md).
 */
export function messageRoutes({ messaging, headers, session, spec, observer }: MessageRouteDeps): { send: Chain; poll: RawRoute } {
  const validateSend = compileOperation(spec, '/api/messages', 'post');
  const validatePoll = compileOperation(spec, '/api/messages', 'get');
  const json = jsonBody();
  const timeSend: RequestHandler[] = observer ? [observer.timeSend] : [];

  const send: RequestHandler = async (req, res) => {
    validateSend(req);
    const { message, created } = await messaging.send(currentUser(res), req.body as SendRequest);
    const body: SendResponse = { message };
    res.status(created ? 201 : 200).json(body);
  };

  const poll: RawRoute = async (req, res, secure) => {
    const { username: user, setCookie } = await session(req.headers.cookie, secure);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    // Express's default ('simple') query parser, so that a repeated parameter is an array here too.
    const query = validatePoll({ query: q < 0 ? {} : querystring.parse(url.slice(q + 1)), body: undefined, headers: req.headers });
    // 'close' on the response fires when the client goes away before we answer: stop holding its poll.
    const gone = new AbortController();
    // Only when it closed before the answer: aborting builds an error object, wasted on every answered poll.
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const after = typeof query.after === 'string' ? query.after : undefined;
    const body = await messaging.poll(user, {
      ...(after === undefined ? {} : { after }),
      waitSeconds: typeof query.wait === 'number' ? query.wait : DEFAULT_WAIT_SECONDS,
      signal: gone.signal,
    });
    if (res.destroyed) return;
    observer?.delivered(user, body.events);
    const json = JSON.stringify(body);
    res.writeHead(200, [
      ...apiAnswerHeaders(secure),
      'Set-Cookie',
      setCookie,
      'Content-Type',
      'application/json; charset=utf-8',
      'Content-Length',
      String(Buffer.byteLength(json)),
    ]);
    res.end(json);
  };

  return {
    send: [...timeSend, headers, noStore, sameOriginOnly, sessionCheckMiddleware(session), json, send],
    poll,
  };
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
