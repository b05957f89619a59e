import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { Logger } from '../logger.js';
import type { StoredPushSubscription } from '../store/store.js';
import type { VapidKeys } from '../store/vapid-keys.js';

export interface DeliveryOptions {
  vapid: VapidKeys;
  subject: string;
  log: Logger;
  /** Called with the endpoint a push service said is gone (404, 410): the subscription is deleted. */
  gone: (endpoint: string) => Promise<void>;
  /** Tries per push, the first included; 429 and 5xx (and no answer at all) are tried again. */
  attempts?: number;
  /** The first retry waits this long, each next one twice as long (a Retry-After within MAX_RETRY_WAIT_MS wins). */
  retryBaseMs?: number;
  /** A push service that answers nothing for this long is given up on (that try counts as failed). */
  timeoutMs?: number;
  /** TLS settings for the push services' connections (tests trust their stand-in's certificate through it). */
  agent?: Agent;
}

/** What happened to one push. */
export type DeliveryOutcome = 'sent' | 'gone' | 'refused' | 'given-up';

/** A day: a notification about a message older than that is no news (the app shows it anyway). */
const TTL_SECONDS = 24 * 60 * 60;
const MAX_RETRY_WAIT_MS = 60_000;

/**
 * Sends one encrypted push (RFC 8291, aes128gcm) signed with the server's VAPID keys (RFC 8292) through the
 * `web-push` library, with the rules of issue #17: a subscription the push service calls gone (404, 410) is
 * deleted; a 429 or 5xx, or no answer, is tried again after a growing wait, a bounded number of times, then
 * dropped with a log line; any other refusal (400, 403, 413) is logged and dropped at once.
 */
export function createDelivery(options: DeliveryOptions) {
  const attempts = options.attempts ?? 4;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const requestOptions: webpush.RequestOptions = {
    vapidDetails: { subject: options.subject, ...options.vapid },
    TTL: TTL_SECONDS,
    urgency: 'high',
    contentEncoding: 'aes128gcm',
    timeout: options.timeoutMs ?? 10_000,
    ...(options.agent ? { agent: options.agent } : {}),
  };

  return async function deliver(sub: StoredPushSubscription, payload: string, topic: string): Promise<DeliveryOutcome> {
    const target = { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } };
    // The endpoint's origin only: its path identifies the device to the push service.
    const service = new URL(sub.endpoint).origin;
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let retryAfter: string | undefined;
      try {
        await webpush.sendNotification(target, payload, { ...requestOptions, topic });
        return 'sent';
      } catch (err) {
        if (!(err instanceof webpush.WebPushError)) {
          status = undefined;
          options.log.debug({ service, attempt, err: (err as Error).message }, 'push service did not answer');
        } else {
          status = err.statusCode;
          retryAfter = err.headers['retry-after'];
        }
      }
      if (status === 404 || status === 410) {
        await options.gone(sub.endpoint);
        options.log.info({ service, status, user: sub.username }, 'push subscription gone: deleted it');
        return 'gone';
      }
      const retriable = status === undefined || status === 429 || status >= 500;
      if (!retriable) {
        options.log.warn({ service, status, user: sub.username }, 'push service refused a push: dropped it');
        return 'refused';
      }
      if (attempt >= attempts) {
        options.log.warn(
          { service, status: status ?? 'no answer', attempts, user: sub.username },
          'push not delivered after retries: dropped it',
        );
        return 'given-up';
      }
      await sleep(retryWait(retryAfter, retryBaseMs * 2 ** (attempt - 1)));
    }
  };
}

/** Retry-After in seconds, when the push service gave one we are willing to wait; else the backoff. */
function retryWait(retryAfter: string | undefined, backoffMs: number): number {
  const seconds = retryAfter === undefined ? NaN : Number(retryAfter);
  return Number.isFinite(seconds) && seconds >= 0 && seconds * 1000 <= MAX_RETRY_WAIT_MS ? Math.max(seconds * 1000, backoffMs) : backoffMs;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
