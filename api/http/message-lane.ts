import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';

/** A route's handlers, in order: middleware that calls `next()`, then the handler that answers. */
export type Chain = readonly RequestHandler[];

/** `/api/messages`, matched as Express matches a route: any case, an optional trailing slash, any query. */
const MESSAGES_PATH = /^\/api\/messages\/?(?:\?|$)/i;

/** Runs one handler; settles when it calls `next` or when the promise it returned settles. */
function step(handler: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (err?: unknown) => (err === undefined ? resolve() : reject(err instanceof Error ? err : new Error(String(err))));
    const out: unknown = handler(req, res, next);
    if (out instanceof Promise) out.then(() => resolve(), reject);
  });
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
    void (async () => {
      try {
        for (const handler of chain) await step(handler, req, res);
      } catch (err) {
        onError(err, req, res, () => undefined);
      }
    })();
  };
}
