import { Router, type RequestHandler } from 'express';
import type { ConversationsResponse, HistoryResponse } from '../../contract.js';
import type { Messaging } from '../../messaging/messaging.js';
import { currentUser } from '../session.js';
import { pageQuery } from './page-query.js';

export const DEFAULT_HISTORY_LIMIT = 50;

/** The user's own history (the old `/history`) and their conversation list. */
export function historyRoutes(messaging: Messaging, requireUser: RequestHandler): Router {
  const router = Router();

  router.get('/api/history', requireUser, async (req, res) => {
    const body: HistoryResponse = await messaging.history(currentUser(res), pageQuery(req.query, DEFAULT_HISTORY_LIMIT));
    res.json(body);
  });

  router.get('/api/conversations', requireUser, async (_req, res) => {
    const body: ConversationsResponse = { conversations: await messaging.conversations(currentUser(res)) };
    res.json(body);
  });

  return router;
}
