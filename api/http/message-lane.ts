import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, Response } from 'express';
import { apiAnswerHeaders } from './security-headers.js';

/** Where a request reached this server, as Express's `req.secure` and `req.protocol`/`req.host` say. */
export interface RequestPlace {
  secure: boolean;
  /** `protocol://host`, for the same-origin check. */
  origin: string;
}

/**
 * A route on Node's own request and response. It answers with the headers of `apiAnswerHeaders`; when it
 * fails (rejects), the lane gives the error to the app's error handler.
 */
export type LaneRoute = (req: IncomingMessage, res: ServerResponse, where: RequestPlace) => Promise<void>;

type Trust = (address: string | undefined, hop: number) => boolean;

/** `/api/messages`, matched as Express matches a route: any case, an optional trailing slash, any query. */
const MESSAGES_PATH = /^\/api\/messages\/?(?:\?|$)/i;

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Express's `req.protocol` and `req.host` (Express 5), for a request that is not an Express request: the
 * socket, or the first X-Forwarded-Proto / X-Forwarded-Host when `trust` (the app's compiled TRUST_PROXY)
 * trusts the peer.
 */
function placeOf(req: IncomingMessage, trust: Trust): RequestPlace {
  const direct = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  const trusted = trust(req.socket.remoteAddress, 0);
  const forwardedProto = trusted ? first(req.headers['x-forwarded-proto']) : undefined;
  const protocol = forwardedProto === undefined || forwardedProto === '' ? direct : (forwardedProto.split(',')[0] ?? '').trim();
  const forwardedHost = trusted ? first(req.headers['x-forwarded-host']) : undefined;
  const host = forwardedHost ? (forwardedHost.split(',')[0] ?? '').trimEnd() : req.headers.host;
  return { secure: protocol === 'https', origin: `${protocol}://${host ?? 'undefined'}` };
}

/**
 * What every request passes before any route runs, the app's and the lane's alike (issue #15): it throws an
 * AppError to refuse the request.
 */
export type RequestGuard = (req: IncomingMessage, where: RequestPlace) => void;

/**
 * The request listener: every request first passes `guard`; then `POST` and `GET /api/messages` (the send and
 * the poll, which every message crosses) go to their lane routes, everything else to the Express app. A
 * refused request or a failed lane route becomes an Express request only then (set up as `app.handle` does),
 * and goes to the app's one error handler with the API's headers.
 */
export function withMessageLane(
  app: Express,
  routes: { send: LaneRoute; poll: LaneRoute },
  onError: ErrorRequestHandler,
  guard: RequestGuard,
): RequestListener {
  const trust = app.get('trust proxy fn') as Trust;
  const fail = (err: unknown, req: IncomingMessage, res: ServerResponse, where: RequestPlace) => {
    if (res.headersSent) return void res.destroy();
    const headers = apiAnswerHeaders(where.secure);
    for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(headers[i] as string, headers[i + 1] as string);
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    const expressReq = req as Request;
    const expressRes = res as unknown as Response;
    expressReq.res = expressRes;
    expressRes.req = expressReq;
    expressRes.locals = Object.create(null) as Response['locals'];
    void onError(err, expressReq, expressRes, () => undefined);
  };
  return (req, res) => {
    const where = placeOf(req, trust);
    try {
      guard(req, where);
    } catch (err) {
      return fail(err, req, res, where);
    }
    const route = !MESSAGES_PATH.test(req.url ?? '')
      ? undefined
      : req.method === 'POST'
        ? routes.send
        : req.method === 'GET'
          ? routes.poll
          : undefined;
    if (route === undefined) return void app(req, res);
    route(req, res, where).catch((err: unknown) => fail(err, req, res, where));
  };
}
