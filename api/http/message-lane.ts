import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { apiAnswerHeaders } from './security-headers.js';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';

/** A route's handlers, in order: middleware that calls `next()`, then the handler that answers. */
export type Chain = readonly RequestHandler[];

/**
 * A route on Node's own request and response (the poll). It answers with the headers of
 * `apiAnswerHeaders(secure)`; when it fails, the lane gives the error to the app's error handler.
 */
export type RawRoute = (req: IncomingMessage, res: ServerResponse, secure: boolean) => Promise<void>;

/** `/api/messages`, matched as Express matches a route: any case, an optional trailing slash, any query. */
const MESSAGES_PATH = /^\/api\/messages\/?(?:\?|$)/i;

/**
 * Runs a chain as Express runs a route's handlers: each calls `next()` to pass on, or `next(err)` (or throws,
 * or returns a promise that rejects) to end in the error handler. One `next` per request, no promise per step.
 */
function run(chain: Chain, req: Request, res: Response, onError: ErrorRequestHandler): void {
  let index = 0;
  const fail = (err: unknown): void => {
    void onError(err ?? new Error('a handler failed without an error'), req, res, () => undefined);
  };
  const next = (err?: unknown): void => {
    if (err !== undefined) return fail(err);
    const handler = chain[index++];
    if (handler === undefined) return;
    try {
      const out: unknown = handler(req, res, next);
      if (out instanceof Promise) out.catch(fail);
    } catch (thrown) {
      fail(thrown);
    }
  };
  next();
}

/**
 * Whether the request came over HTTPS, as Express's `req.secure` says: the socket, or the first
 * X-Forwarded-Proto when `trust` (the app's compiled TRUST_PROXY) trusts the peer.
 */
function isSecure(req: IncomingMessage, trust: (address: string | undefined, hop: number) => boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  if (!trust(req.socket.remoteAddress, 0)) return false;
  const header = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(header) ? header[0] : header) ?? '';
  return proto.split(',')[0]?.trim() === 'https';
}

/**
 * The request listener: `GET` and `POST /api/messages` (the poll and the send, which every message crosses)
 * run directly, everything else goes to the Express app. Express's router costs a closure and a context per
 * middleware it passes through, per request, and a held poll keeps whatever it was given alive for up to 50 s.
 * The send's chain gets Express's request and response (set up as `app.handle` does); the poll gets them only
 * when it fails. Errors go to the app's one error handler, poll errors with the poll's headers.
 */
export function withMessageLane(app: Express, routes: { send: Chain; poll: RawRoute }, onError: ErrorRequestHandler): RequestListener {
  const trust = app.get('trust proxy fn') as (address: string | undefined, hop: number) => boolean;
  const express = (rawReq: IncomingMessage, rawRes: ServerResponse): { req: Request; res: Response } => {
    // What app.handle does before routing: Express's request and response API on the Node objects.
    Object.setPrototypeOf(rawReq, app.request);
    Object.setPrototypeOf(rawRes, app.response);
    const req = rawReq as Request;
    const res = rawRes as unknown as Response;
    req.res = res;
    res.req = req;
    res.locals = Object.create(null) as Response['locals'];
    return { req, res };
  };
  return (rawReq, rawRes) => {
    const isMessages = MESSAGES_PATH.test(rawReq.url ?? '');
    if (isMessages && rawReq.method === 'POST') {
      const { req, res } = express(rawReq, rawRes);
      return run(routes.send, req, res, onError);
    }
    if (!isMessages || rawReq.method !== 'GET') return void app(rawReq, rawRes);
    const secure = isSecure(rawReq, trust);
    routes.poll(rawReq, rawRes, secure).catch((err: unknown) => {
      if (rawRes.headersSent) return void rawRes.destroy();
      const headers = apiAnswerHeaders(secure);
      for (let i = 0; i + 1 < headers.length; i += 2) rawRes.setHeader(headers[i] as string, headers[i + 1] as string);
      const { req, res } = express(rawReq, rawRes);
      void onError(err, req, res, () => undefined);
    });
  };
}
