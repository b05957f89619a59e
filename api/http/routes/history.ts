import { Router, type RequestHandler } from 'express';
import type { ConversationsResponse, HistoryResponse } from '../../contract.js';
import type { Messaging } from '../../messaging/messaging.js';
import { currentUser } from '../session.js';
import { pageQuery } from './page-query.js';

export const DEFAULT_HISTORY_LIMIT = 50;

/**
 * A page of a user's history, once the request is checked (whose session it is, the query validated against
 * openapi.yaml): one function for the fast path (../fast-path/message-routes.ts), which answers the GET, and
 * the Express route below, which the parity tests' reference app (`fastPath: false`) answers it with.
 */
export type HistoryPage = (username: string, query: Record<string, unknown>) => Promise<HistoryResponse>;

export function historyPage(messaging: Messaging): HistoryPage {
  return (username, query) => messaging.history(username, pageQuery(query, DEFAULT_HISTORY_LIMIT));
}

/** The user's own history (the old `/history`) and their conversation list. */
export function historyRoutes(messaging: Messaging, requireUser: RequestHandler): Router {
  const router = Router();
  const page = historyPage(messaging);

  router.get('/api/history', requireUser, async (req, res) => {
    res.json(await page(currentUser(res), req.query));
  });

  router.get('/api/conversations', requireUser, async (_req, res) => {
    const body: ConversationsResponse = { conversations: await messaging.conversations(currentUser(res)) };
    res.json(body);
  });

  return router;
}
