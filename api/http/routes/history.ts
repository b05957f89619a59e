import { Router, type RequestHandler } from 'express';
import type { ConversationsResponse, HistoryResponse } from '../../contract.js';
import type { Messaging } from '../../messaging/messaging.js';
import { currentUser } from '../session.js';

export const DEFAULT_HISTORY_LIMIT = 50;

/** The user's own history (the old `/history`) and their conversation list. */
export function historyRoutes(messaging: Messaging, requireUser: RequestHandler): Router {
  const router = Router();

  router.get('/api/history', requireUser, async (req, res) => {
    const { with: peer, before, limit } = req.query;
    const body: HistoryResponse = await messaging.history(currentUser(res), {
      limit: limit === undefined ? DEFAULT_HISTORY_LIMIT : Number(limit),
      ...(typeof peer === 'string' ? { with: peer } : {}),
      ...(typeof before === 'string' ? { before } : {}),
    });
    res.json(body);
  });

  router.get('/api/conversations', requireUser, async (_req, res) => {
    const body: ConversationsResponse = { conversations: await messaging.conversations(currentUser(res)) };
    res.json(body);
  });

  return router;
}
