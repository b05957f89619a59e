/**
 * The fast path: `POST /api/messages` and `GET /api/messages`, the send and the poll that every message
 * crosses, and `GET /api/history`, the page a person waits for when they open a conversation or scroll back,
 * answered on Node's own request and response instead of the Express app, because the generic chain costs
 * CPU on every message and memory in every held poll, and made each history page 0.1 to 0.4 ms slower than
 * on 25 November (docs/performance.md, "The fast path" and "Start-up from a bundle, and history pages on the
 * fast path"). For those routes it re-does what libraries do for the rest: change one side, change the
 * other. Each copy below, library side first, and the test in test/http/fast-path/ that sends the same
 * requests through both (answers.test.ts: through this server and through the same app built with
 * `fastPath: false`, where these are Express routes behind the generic middleware).
 *
 * - Routing: Express's router (any case, optional trailing slash) | `takes` below. routing.test.ts.
 * - The query: Express's 'simple' parser | `queryOf` (message-routes.ts). routing.test.ts.
 * - Where a request was addressed: Express's `req.protocol`, `req.host`, `req.secure` under TRUST_PROXY |
 *   `targetOriginOf` (target-origin.ts). target-origin.test.ts; answers.test.ts (HTTPS, proxy and TLS).
 * - The session: express-session and `requireUser` (../session.ts) | `createSessionCheck`
 *   (session-check.ts): cookie, signature, secrets, 401s, idle and absolute expiry. session.test.ts.
 * - Validation: express-openapi-validator (../openapi.ts) | operation-validator.ts: the 400s' wording, 415,
 *   defaults, coercion. validator.test.ts (the library directly); answers.test.ts.
 * - Answer headers: `securityHeaders()` (../security-headers.ts) and `res.json` | `apiAnswerHeaders`
 *   written with the answer by `writeJson` (../json-answer.ts), HSTS over HTTPS. answers.test.ts.
 *
 * Shared, not copied: the guard every request passes first (PUBLIC_ORIGIN and the URL's encoding, issue
 * #15, items 14 and 9), `checkSameOrigin`, the JSON body parser, the one error answer (../error-handler.ts)
 * and send and poll themselves (`messageHandlers`, ../routes/messages.ts); answers.test.ts covers their
 * 421, 403, 413, 415 and 400s here too.
 *
 * Different on purpose, and pinned: the session is checked before the body or query is read (a request
 * with both faults is a 401 here, a 400 on the Express chain), the poll and the history never read a body
 * (a GET's body means nothing; Express parses one and may refuse it; both in answers.test.ts), and the
 * cookie rolls once an hour, to the next whole hour (session-check.ts says why; session.test.ts).
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

/** `/api/messages` and `/api/history`, matched as Express matches a route: any case, an optional trailing slash, any query. */
const MESSAGES_PATH = /^\/api\/messages\/?(?:\?|$)/i;
const HISTORY_PATH = /^\/api\/history\/?(?:\?|$)/i;

/**
 * The fast-path route that answers `method target`, if any. Any other method goes to the Express app, which
 * answers what openapi.yaml does not list (a HEAD of these paths among them) with its 404 or 405.
 */
export function takes(routes: FastRoutes, method: string | undefined, target: string): FastRoute | undefined {
  if (MESSAGES_PATH.test(target)) return method === 'POST' ? routes.send : method === 'GET' ? routes.poll : undefined;
  if (HISTORY_PATH.test(target)) return method === 'GET' ? routes.history : undefined;
  return undefined;
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
