import express, { type Express, type RequestHandler } from 'express';
import type { Accounts } from './accounts/accounts.js';
import { apiNotFound, errorHandler } from './http/error-handler.js';
import { docsRouter, openApiRequestValidator } from './http/openapi.js';
import { historyRoutes } from './http/routes/history.js';
import { healthRoutes } from './http/routes/health.js';
import { messageRoutes } from './http/routes/messages.js';
import { sessionRoutes } from './http/routes/session.js';
import { sameOriginOnly } from './http/same-origin.js';
import { securityHeaders } from './http/security-headers.js';
import { requireUser, sessionMiddleware } from './http/session.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Messaging } from './messaging/messaging.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  store: Store;
  accounts: Accounts;
  messaging: Messaging;
  log: Logger;
  sessionSecrets: string[];
  sessionIdleDays: number;
  sessionMaxDays: number;
  trustProxy: boolean | number | string;
  specPath: string;
  /** Serves the PWA at `/`, when there is one to serve. */
  pwa?: RequestHandler;
  /** True once shutdown began: health checks say so. */
  isStopping: () => boolean;
  /** Prometheus metrics at GET /metrics (issue #5). */
  metrics?: Metrics;
}

/** Bodies over this are refused with 413 (issue #2). */
export const BODY_LIMIT = '16kb';

/** Builds the HTTP app; it listens on nothing (api/server.ts does). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  app.set('json spaces', 0);
  app.use(securityHeaders());

  app.use(healthRoutes(deps.isStopping));
  if (deps.metrics) {
    app.get('/metrics', deps.metrics.handler);
    app.use(deps.metrics.instrument);
  }
  app.use(docsRouter(deps.specPath));

  app.use('/api', (_req, res, next) => {
    // API answers are per user and change all the time: never stored by a browser or a proxy.
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use('/api', sameOriginOnly);
  app.use('/api', express.json({ limit: BODY_LIMIT, type: 'application/json' }));
  app.use(openApiRequestValidator(deps.specPath));
  app.use(
    '/api',
    sessionMiddleware({
      store: deps.store.sessions.expressStore,
      secrets: deps.sessionSecrets,
      idleDays: deps.sessionIdleDays,
      maxDays: deps.sessionMaxDays,
    }),
  );

  const authenticated = requireUser(deps.sessionMaxDays);
  app.use(sessionRoutes(deps.accounts, authenticated));
  app.use(messageRoutes(deps.messaging, authenticated));
  app.use(historyRoutes(deps.messaging, authenticated));
  app.use('/api', apiNotFound);
  if (deps.pwa) app.use(deps.pwa);

  app.use(errorHandler(deps.log));
  return app;
}
