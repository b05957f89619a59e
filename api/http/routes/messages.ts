import { Router, type RequestHandler } from 'express';
import type { ReadRequest, SendRequest, SendResponse } from '../../contract.js';
import type { Messaging } from '../../messaging/messaging.js';
import { currentUser } from '../session.js';

export const DEFAULT_WAIT_SECONDS = 25;

/** Send, the long-poll receive, and read receipts. */
export function messageRoutes(messaging: Messaging, requireUser: RequestHandler): Router {
  const router = Router();

  router.post('/api/messages', requireUser, async (req, res) => {
    const { message, created } = await messaging.send(currentUser(res), req.body as SendRequest);
    const body: SendResponse = { message };
    res.status(created ? 201 : 200).json(body);
  });

  router.get('/api/messages', requireUser, async (req, res) => {
    const after = typeof req.query.after === 'string' ? req.query.after : undefined;
    const wait = req.query.wait === undefined ? DEFAULT_WAIT_SECONDS : Number(req.query.wait);
    // 'close' on the response fires when the client goes away before we answer: stop holding its poll.
    const gone = new AbortController();
    // Only when it closed before the answer: aborting builds an error object, wasted on every answered poll.
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const body = await messaging.poll(currentUser(res), {
      ...(after === undefined ? {} : { after }),
      waitSeconds: wait,
      signal: gone.signal,
    });
    if (!res.destroyed) res.json(body);
  });

  router.post('/api/messages/read', requireUser, async (req, res) => {
    const { with: peer, upTo } = req.body as ReadRequest;
    await messaging.markRead(currentUser(res), peer, upTo);
    res.status(204).end();
  });

  return router;
}
