import { Router, type RequestHandler } from 'express';
import type { PushKeyResponse, PushSubscriptionRequest } from '../../contract.js';
import type { Push } from '../../push/push.js';
import { sessionKey } from '../../store/session-key.js';
import { currentUser } from '../session.js';

/** Web Push (issue #17): the server's public key, and this device's subscription. */
export function pushRoutes(push: Push, requireUser: RequestHandler): Router {
  const router = Router();

  router.get('/api/push/key', (_req, res) => {
    const body: PushKeyResponse = { publicKey: push.publicKey };
    res.json(body);
  });

  // The subscription belongs to this session: a logout (or the session ending any other way) removes it.
  router.put('/api/push/subscription', requireUser, async (req, res) => {
    await push.subscribe(currentUser(res), sessionKey(req.sessionID), req.body as PushSubscriptionRequest);
    res.status(204).end();
  });

  router.delete('/api/push/subscription', requireUser, async (req, res) => {
    await push.sessionsEnded([sessionKey(req.sessionID)]);
    res.status(204).end();
  });

  return router;
}
