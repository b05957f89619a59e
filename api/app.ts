import type { RequestListener } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { Accounts } from './accounts/accounts.js';
import { createAttachments, type Attachments } from './attachments/attachments.js';
import { attachmentRoutes } from './http/routes/attachments.js';
import { createBlocking } from './accounts/blocking.js';
import { createDevices } from './accounts/devices.js';
import { createAccountExport } from './accounts/export/account-export.js';
import { accountRoutes } from './http/routes/account.js';
import { apiNotFound, errorAnswer, errorHandler } from './http/error-handler.js';
import { createSessionCheck, fastMessageRoutes, serveRequests, type RequestGuard } from './http/fast-path/index.js';
import { targetOf } from './http/fast-path/target-origin.js';
import { jsonBody } from './http/json-body.js';
import { docsRouter, openApiRequestValidator, readSpec } from './http/openapi.js';
import { historyPage, historyRoutes } from './http/routes/history.js';
import { messageChangeRoutes } from './http/routes/message-changes.js';
import { healthRoutes } from './http/routes/health.js';
import { messageHandlers, messageRoutes, readReceiptRoutes } from './http/routes/messages.js';
import { profileRoutes } from './http/routes/profiles.js';
import { pushRoutes } from './http/routes/push.js';
import { sessionRoutes } from './http/routes/session.js';
import { publicOriginCheck } from './http/public-origin.js';
import { sameOriginOnly } from './http/same-origin.js';
import { securityHeaders } from './http/security-headers.js';
import { checkUtf8Target } from './http/utf8.js';
import { requireUser, sessionMiddleware } from './http/session.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Messaging } from './messaging/messaging.js';
import type { Profiles } from './profiles/profiles.js';
import type { Push } from './push/push.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  store: Store;
  accounts: Accounts;
  messaging: Messaging;
  /** Display names, last seen and typing (issue #19, items 10 to 12). */
  profiles: Profiles;
  /** Photos and files (issue #18); unless given, made on the store with the default limit. */
  attachments?: Attachments;
  /** Web Push (issue #17); apps built without it (some fault tests) answer its routes 404. */
  push?: Push;
  log: Logger;
  sessionSecrets: string[];
  sessionIdleDays: number;
  sessionMaxDays: number;
  trustProxy: false | number | string;
  /** PUBLIC_ORIGIN: the only origins requests may be for, and come from (issue #15); undefined: any. */
  publicOrigins?: readonly string[] | undefined;
  specPath: string;
  /** Serves the PWA at `/`, when there is one to serve. */
  pwa?: RequestHandler;
  /** True once shutdown began: health checks say so. */
  isStopping: () => boolean;
  /** Prometheus metrics at GET /metrics (issue #5). */
  metrics?: Metrics;
  /** Sessions one user may have (issue #17); a new login ends the least recently used one past it. Default 20. */
  sessionsPerUser?: number;
}

/** Sessions per user when the server is not told otherwise (SESSIONS_PER_USER). */
export const DEFAULT_SESSIONS_PER_USER = 20;

export interface AppOptions {
  /**
   * false: send and poll go through the Express app like every other route, instead of the fast path
   * (http/fast-path/): the reference the fast path's parity tests hold it to. Default true.
   */
  fastPath?: boolean;
}

/** Builds the HTTP app, as a request listener; it listens on nothing (api/server.ts does). */
export function createApp(deps: AppDeps, { fastPath = true }: AppOptions = {}): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  // API answers are no-store: an ETag would be a SHA-1 of every poll answer for nothing. (The PWA's files
  // get theirs from express.static, which does not use this setting.)
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy);
  app.set('json spaces', 0);
  app.use(securityHeaders());

  app.use(healthRoutes(deps.isStopping));
  if (deps.metrics) app.get('/metrics', deps.metrics.handler);
  const sessions = {
    store: deps.store.sessions,
    secrets: deps.sessionSecrets,
    idleDays: deps.sessionIdleDays,
    maxDays: deps.sessionMaxDays,
  };
  const spec = readSpec(deps.specPath);
  app.use(docsRouter(spec));

  app.use('/api', sameOriginOnly);
  app.use('/api', jsonBody());
  app.use(openApiRequestValidator(spec));
  app.use('/api', sessionMiddleware(sessions));

  const authenticated = requireUser(deps.sessionMaxDays);
  const handlers = messageHandlers(deps.messaging, deps.metrics);
  const devices = createDevices(deps.store.sessions, deps.sessionsPerUser ?? DEFAULT_SESSIONS_PER_USER);
  const { push } = deps;
  app.use(sessionRoutes(deps.accounts, authenticated, devices, push ? (key) => push.sessionsEnded([key]) : undefined));
  const attachments = deps.attachments ?? createAttachments(deps.store.attachments, { maxBytes: 25 * 1024 * 1024 });
  const accountExport = createAccountExport({ store: deps.store, attachments, devices });
  app.use(accountRoutes(deps.accounts, devices, createBlocking(deps.store), authenticated, accountExport));
  if (push) app.use(pushRoutes(push, authenticated));
  if (!fastPath) app.use(messageRoutes(handlers, authenticated, deps.sessionMaxDays));
  app.use(readReceiptRoutes(deps.messaging, authenticated));
  app.use(historyRoutes(deps.messaging, authenticated));
  app.use(profileRoutes(deps.profiles, authenticated));
  app.use(attachmentRoutes(attachments, authenticated));
  app.use(messageChangeRoutes(deps.messaging.changes, authenticated));
  app.use('/api', apiNotFound);
  if (deps.pwa) app.use(deps.pwa);

  const answerError = errorAnswer(deps.log);
  app.use(errorHandler(answerError));

  // Before any route (issue #15): the host allow-list first, so that a misdirected request gets its 421 and
  // nothing else, then the URL's encoding.
  const publicOrigin = deps.publicOrigins === undefined ? undefined : publicOriginCheck(deps.publicOrigins);
  const guard: RequestGuard = (req, target) => {
    publicOrigin?.(req, target);
    checkUtf8Target(targetOf(req));
  };
  // Send and poll, which every message crosses, and the history page take the fast path (http/fast-path/index.ts
  // says what it mirrors and why).
  const routes = fastPath
    ? fastMessageRoutes({ handlers, historyPage: historyPage(deps.messaging), session: createSessionCheck(sessions), spec: spec.document })
    : undefined;
  return serveRequests(app, { guard, answerError, routes });
}
