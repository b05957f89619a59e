/**
 * The fast path: `POST /api/messages` and `GET /api/messages`, the send and the poll that every message
 * crosses, answered on Node's own request and response instead of the Express app, because the generic
 * chain costs CPU on every message and memory in every held poll (docs/performance.md, "The fast path").
 * It re-does, for those two routes, what libraries do for every other route. Change one side, change the
 * other; the tests that hold the two in line today:
 *
 * - Routing and the query: Express's router (any case, optional trailing slash) and 'simple' query parser,
 *   here `takes` and `queryOf`. Test: test/contract/validator.test.ts, test/security/utf8.test.ts.
 * - Where a request was addressed: Express's `req.protocol`, `req.host`, `req.secure` under TRUST_PROXY,
 *   here `targetOriginOf` (target-origin.ts). Test: test/security/public-origin.test.ts, http.test.ts.
 * - The session: express-session with `requireUser` (../session.ts), here `createSessionCheck`
 *   (session-check.ts). Test: test/security/session.test.ts.
 * - Validation: express-openapi-validator (../openapi.ts), here operation-validator.ts.
 *   Test: test/http/fast-path/validator.test.ts.
 * - Answer headers: `securityHeaders()` on Express, here `apiAnswerHeaders` written with the answer.
 *   Test: test/security/http.test.ts ("headers").
 *
 * Shared, not mirrored: the guard every request passes first (`RequestGuard`: PUBLIC_ORIGIN and the URL's
 * encoding, issue #15, items 14 and 9), the same-origin check, the JSON body parser, the one error answer
 * (../error-handler.ts), and send and poll themselves (`messageHandlers`, ../routes/messages.ts).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { ErrorAnswer } from '../error-handler.js';
import { apiAnswerHeaders } from '../security-headers.js';
import type { FastRoute, FastRoutes } from './message-routes.js';
import { targetOf, targetOriginOf, type TargetOrigin, type TrustProxy } from './target-origin.js';

export { fastMessageRoutes, type FastRoutes } from './message-routes.js';
export { createSessionCheck } from './session-check.js';
export type { TargetOrigin } from './target-origin.js';

/** What every request passes before any route runs (issue #15); it throws an AppError to refuse the request. */
export type RequestGuard = (req: IncomingMessage, target: TargetOrigin) => void;

/** `/api/messages`, matched as Express matches a route: any case, an optional trailing slash, any query. */
const MESSAGES_PATH = /^\/api\/messages\/?(?:\?|$)/i;

/** The fast-path route that answers `method target`, if any. */
export function takes(routes: FastRoutes, method: string | undefined, target: string): FastRoute | undefined {
  if (!MESSAGES_PATH.test(target)) return undefined;
  return method === 'POST' ? routes.send : method === 'GET' ? routes.poll : undefined;
}

/** A request's path, for the log: its target up to the query. */
const pathOf = (target: string): string => {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
};

export interface ServeOptions {
  guard: RequestGuard;
  /** The one error answer; the app's error middleware is the same function. */
  answerError: ErrorAnswer;
  /** The fast path's routes; without them every request goes to the Express app (the parity tests' reference). */
  routes?: FastRoutes | undefined;
}

/**
 * The server's request listener: every request first passes the guard; then the fast path takes the send and
 * the poll, and the Express app everything else. A refused request, or a fast-path route that fails, is
 * answered by the one error answer, with the API's headers.
 */
export function serveRequests(app: Express, { guard, answerError, routes }: ServeOptions): RequestListener {
  const trust = app.get('trust proxy fn') as TrustProxy;
  const fail = (err: unknown, req: IncomingMessage, res: ServerResponse, target: TargetOrigin) =>
    answerError(err, req, res, pathOf(targetOf(req)), apiAnswerHeaders(target.secure));
  return (req, res) => {
    const target = targetOriginOf(req, trust);
    try {
      guard(req, target);
    } catch (err) {
      return fail(err, req, res, target);
    }
    const route = routes === undefined ? undefined : takes(routes, req.method, targetOf(req));
    if (route === undefined) return void app(req, res);
    route(req, res, target).catch((err: unknown) => fail(err, req, res, target));
  };
}
