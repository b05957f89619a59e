import { Router } from 'express';

/** For load balancers and probes: 503 once shutdown began, so traffic moves elsewhere. */
export function healthRoutes(isStopping: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (isStopping()) res.status(503).json({ status: 'stopping' });
    else res.json({ status: 'ok' });
  });
  return router;
}
