import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';

/** A route's handlers, in order: middleware that calls `next()`, then the handler that answers. */
export type Chain = readonly RequestHandler[];

/** `/api/messages`, matched as Express matches a route: any case, an optional trailing slash, any query. */
const MESSAGES_PATH = /^\/api\/messages\/?(?:\?|$)/i;

/**
 * Runs a chain as Express runs a route's handlers: each calls `next()` to pass on, or `next(err)` (or throws,
 * or returns a promise that rejects) to end in the error handler. One `next` per request, no promise per step.
 */
function run(chain: Chain, req: Request, res: Response, onError: ErrorRequestHandler): void {
  let index = 0;
  const fail = (err: unknown): void => onError(err ?? new Error('a handler failed without an error'), req, res, () => undefined);
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
 * The request listener: `GET` and `POST /api/messages` (the poll and the send, which every message crosses)
 * run their chains directly, everything else goes to the Express app. Express's router costs a closure and a
 * context per middleware it passes through, per request, and a held poll keeps them all alive for up to 50 s:
 * at 10,000 held polls that was over half the memory of each (docs/performance.md). The chains still get
 * Express's request and response (set up as `app.handle` does), and their errors go to the app's one error
 * handler.
 */
export function withMessageLane(app: Express, chains: { send: Chain; poll: Chain }, onError: ErrorRequestHandler): RequestListener {
  const routes: Record<string, Chain | undefined> = { POST: chains.send, GET: chains.poll };
  return (rawReq: IncomingMessage, rawRes: ServerResponse) => {
    const chain = MESSAGES_PATH.test(rawReq.url ?? '') ? routes[rawReq.method ?? ''] : undefined;
    if (chain === undefined) return void app(rawReq, rawRes);
    // What app.handle does before routing: Express's request and response API on the Node objects.
    Object.setPrototypeOf(rawReq, app.request);
    Object.setPrototypeOf(rawRes, app.response);
    const req = rawReq as Request;
    const res = rawRes as unknown as Response;
    req.res = res;
    res.req = req;
    res.locals = Object.create(null) as Response['locals'];
    run(chain, req, res, onError);
  };
}
