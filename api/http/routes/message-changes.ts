import { Router, type RequestHandler } from 'express';
import type { EditRequest, EditResponse, SearchResponse } from '../../contract.js';
import type { MessageChanges } from '../../messaging/message-changes.js';
import { currentUser } from '../session.js';
import { pageQuery } from './page-query.js';

export const DEFAULT_SEARCH_LIMIT = 20;

/** Edit, delete (for everyone or for me) and search (issue #18), behind the app's generic API middleware. */
export function messageChangeRoutes(changes: MessageChanges, requireUser: RequestHandler): Router {
  const router = Router();

  router.patch('/api/messages/:id', requireUser, async (req, res) => {
    const { content } = req.body as EditRequest;
    const body: EditResponse = { message: await changes.edit(currentUser(res), String(req.params.id), content) };
    res.json(body);
  });

  router.delete('/api/messages/:id', requireUser, async (req, res) => {
    await changes.remove(currentUser(res), String(req.params.id), req.query.for === 'me' ? 'me' : 'everyone');
    res.status(204).end();
  });

  router.get('/api/search', requireUser, async (req, res) => {
    const query = { q: String(req.query.q), ...pageQuery(req.query, DEFAULT_SEARCH_LIMIT) };
    const body: SearchResponse = await changes.search(currentUser(res), query);
    res.json(body);
  });

  return router;
}
