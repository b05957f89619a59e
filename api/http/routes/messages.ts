import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Router, type RequestHandler } from 'express';
import type { PollResponse, ReadRequest, SendRequest, SendResponse } from '../../contract.js';
import type { Messaging, PollSession } from '../../messaging/messaging.js';
import { currentUser, expressPollSession } from '../session.js';

/** What the message routes report to /metrics (api/metrics.ts). */
export interface MessageObserver {
  /** A send answered 201; its request came in at `startedAt` (performance.now()). */
  sent(startedAt: number): void;
  /** A poll answer handed these events to `user`. */
  delivered(user: string, events: PollResponse['events']): void;
}

/**
 * Send and poll once their request is checked (whose session it is, the body or query validated against
 * openapi.yaml): written once, for the fast path (../fast-path/message-routes.ts) and the Express routes below,
 * which write the answer each in their own way.
 */
export interface MessageHandlers {
  /** Sends `body` from `username`: 201 with the new message, or 200 with the one a retry (the same clientId) made. */
  send(username: string, body: SendRequest, startedAt: number): Promise<{ status: 200 | 201; body: SendResponse }>;
  /**
   * `user`'s poll: its answer once there are events after `query.after` or `query.wait` has run out, or
   * undefined when the client went away first (`res` closed) and there is no one to answer.
   */
  poll(user: string, session: PollSession, query: Record<string, unknown>, res: ServerResponse): Promise<PollResponse | undefined>;
}

export function messageHandlers(messaging: Messaging, observer?: MessageObserver): MessageHandlers {
  return {
    async send(username, body, startedAt) {
      const { message, created } = await messaging.send(username, body);
      if (created) observer?.sent(startedAt);
      return { status: created ? 201 : 200, body: { message } };
    },

    async poll(user, session, query, res) {
      const { after, wait } = query;
      assert(typeof wait === 'number', 'the validated query has a wait: openapi.yaml gives it a default');
      // 'close' on the response fires when the client goes away before we answer: stop holding its poll, also
      // when it went while the poll was still acknowledging (before it handed over its stop).
      let gone = false;
      let stopHolding: (() => void) | undefined;
      res.on('close', () => {
        if (res.writableFinished) return;
        gone = true;
        stopHolding?.();
      });
      const body = await messaging.poll(user, {
        ...(typeof after === 'string' ? { after } : {}),
        waitSeconds: wait,
        session,
        onGone: (stop) => {
          if (gone) stop();
          else stopHolding = stop;
        },
      });
      if (res.destroyed) return undefined;
      observer?.delivered(user, body.events);
      return body;
    },
  };
}

/**
 * Send and poll as Express routes, behind the app's generic middleware (same-origin, JSON body, OpenAPI
 * validation, express-session, requireUser): the reference the fast path (../fast-path/) is held to. The
 * app serves them only when built with `fastPath: false`, as the parity tests build it; otherwise the fast
 * path answers these two requests before the Express app sees them.
 */
export function messageRoutes(handlers: MessageHandlers, requireUser: RequestHandler, maxDays: number): Router {
  const router = Router();
  router.post('/api/messages', requireUser, async (req, res) => {
    const { status, body } = await handlers.send(currentUser(res), req.body as SendRequest, performance.now());
    res.status(status).json(body);
  });
  router.get('/api/messages', requireUser, async (req, res) => {
    const body = await handlers.poll(currentUser(res), expressPollSession(req, maxDays), req.query, res);
    if (body !== undefined) res.json(body);
  });
  return router;
}

/** Read receipts: not on every message's path, so behind the app's generic API middleware. */
export function readReceiptRoutes(messaging: Messaging, requireUser: RequestHandler): Router {
  const router = Router();
  router.post('/api/messages/read', requireUser, async (req, res) => {
    const { with: peer, upTo } = req.body as ReadRequest;
    await messaging.markRead(currentUser(res), peer, upTo);
    res.status(204).end();
  });
  return router;
}
