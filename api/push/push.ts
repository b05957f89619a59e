import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Messaging } from '../messaging/messaging.js';
import type { Store } from '../store/store.js';
import type { VapidKeys } from '../store/vapid-keys.js';
import { createDelivery, type DeliveryOutcome } from './push-delivery.js';
import { pushPayload, type PushPreview } from './push-payload.js';
import { PushQueue, type Enqueued } from './push-queue.js';
import { checkSubscription, type SubscriptionInput } from './subscription-input.js';

export interface PushOptions {
  store: Store;
  vapid: VapidKeys;
  subject: string;
  preview: PushPreview;
  allowedHosts: readonly string[];
  limitPerUser: number;
  /** True while the device of `sessionKey` holds a poll here: it receives the message live and needs no push. */
  isLive: (user: string, sessionKey: string) => boolean;
  log: Logger;
  /** Queue and delivery tuning; the defaults are for production. */
  queueCapacity?: number;
  concurrency?: number;
  attempts?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
  agent?: Agent;
}

const CLOSE_WAIT_MS = 2000;

/** A message that became durable, as the push job needs it. */
interface PushJob {
  to: string;
  from: string;
  content: string;
}

export interface Push {
  readonly publicKey: string;
  /** Registers the subscription of this device (session); replaces the one it had. */
  subscribe(user: string, sessionKey: string, input: SubscriptionInput): Promise<void>;
  /** The sessions ended (logout, expiry, ended from another device): their devices get no more pushes. */
  sessionsEnded(keys: readonly string[]): Promise<void>;
  /** A message became durable: queue its push (returns at once; never waits on a push service). */
  messageStored(job: PushJob): Enqueued;
  /** What the pushes came to, since start (tests and logs). */
  readonly outcomes: Readonly<Record<DeliveryOutcome | 'live' | 'dropped', number>>;
  /** Waits for the pushes queued and running (tests). */
  drained(): Promise<void>;
  /** Stops: what waits is not sent; what runs is given a moment to finish (it is never waited on longer). */
  close(): Promise<void>;
}

/**
 * Web Push, in the words of issue #17: a device registers its subscription under its session; when a message
 * to its user became durable and that device holds no poll right now, it gets one encrypted push, through a
 * bounded queue after the send was answered. On PostgreSQL the process that stored the message is the one
 * that queues its push, so each push is sent by exactly one process.
 */
export function createPush(options: PushOptions): Push {
  const { store, log } = options;
  const outcomes = { sent: 0, gone: 0, refused: 0, 'given-up': 0, live: 0, dropped: 0 };
  const deliver = createDelivery({
    vapid: options.vapid,
    subject: options.subject,
    log,
    gone: (endpoint) => store.push.removeEndpoint(endpoint),
    ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
    ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.agent ? { agent: options.agent } : {}),
  });

  async function run(job: PushJob): Promise<void> {
    const devices = (await store.push.forUser(job.to)).filter((sub) => {
      const live = options.isLive(job.to, sub.sessionKey);
      if (live) outcomes.live++;
      return !live;
    });
    if (devices.length === 0) return;
    const conversations = await store.messages.conversations(job.to);
    const count = conversations.find((c) => c.with === job.from)?.unread ?? 1;
    const badge = conversations.reduce((sum, c) => sum + c.unread, 0);
    const payload = JSON.stringify(pushPayload(options.preview, job, { count, badge }));
    // A Topic lets the push service replace a push it still holds for this conversation (RFC 8030 5.4): 32
    // base64url characters at most, and the push service sees it, so it names the conversation by a hash.
    const topic = createHash('sha256').update(`${job.to}\0${job.from}`).digest('base64url').slice(0, 32);
    const results = await Promise.all(devices.map((sub) => deliver(sub, payload, topic)));
    for (const r of results) outcomes[r]++;
  }

  const queue = new PushQueue<PushJob>({
    capacity: options.queueCapacity ?? 10_000,
    concurrency: options.concurrency ?? 16,
    run,
    failed: (job, err) => log.warn({ err, user: job.to }, 'push not sent: could not read its subscriptions or conversations'),
  });
  let closed = false;

  return {
    publicKey: options.vapid.publicKey,
    outcomes,

    async subscribe(user, sessionKey, input) {
      const checked = checkSubscription(input, options.allowedHosts);
      const saved = await store.push.save(
        { sessionKey, username: user, ...checked, createdAt: new Date().toISOString() },
        options.limitPerUser,
      );
      if (saved === 'limit') {
        throw new AppError(
          'too_many_subscriptions',
          `you have notifications on in ${options.limitPerUser} other places already: turn them off on a device you no longer use, or log it out`,
        );
      }
    },

    async sessionsEnded(keys) {
      await store.push.removeSessions(keys);
    },

    messageStored(job) {
      if (closed) return 'dropped';
      const taken = queue.add(`${job.to}\0${job.from}`, job);
      if (taken === 'dropped') {
        outcomes.dropped++;
        // One line per hundred, not per message: a full queue is a stuck push service, and the log must not drown.
        if (queue.dropped % 100 === 1)
          log.warn({ dropped: queue.dropped }, 'push queue full: dropping pushes (the push services are slow or down)');
      }
      return taken;
    },

    drained: () => queue.drained(),

    async close() {
      closed = true;
      queue.clear();
      // A push in its retries may wait a minute: shutdown does not (a push is a hint; the message is durable).
      await Promise.race([queue.drained(), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    },
  };
}

/**
 * Messaging whose sends queue a push once answered: the push job is added on the next turn of the event loop,
 * after the handler has written the 201, so nothing of Web Push is on the send's path.
 */
export function withPush(messaging: Messaging, push: Push): Messaging {
  return {
    ...messaging,
    async send(from, input) {
      const result = await messaging.send(from, input);
      if (result.created) {
        const { to, content } = result.message;
        setImmediate(() => push.messageStored({ to, from, content }));
      }
      return result;
    },
  };
}
