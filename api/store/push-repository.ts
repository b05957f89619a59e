import type { VapidKeys } from './vapid-keys.js';

/** A device's Web Push subscription (issue #17), kept under the key of the session that registered it. */
export interface StoredPushSubscription {
  /** `sessionKey(sid)` of the session (device) it belongs to: logging out removes it. */
  sessionKey: string;
  username: string;
  /** The push service's URL for this device (https). */
  endpoint: string;
  /** The device's P-256 public key (65 bytes) and auth secret (16 bytes), base64url: the payload is encrypted to them. */
  p256dh: string;
  auth: string;
  /** ISO 8601, UTC. */
  createdAt: string;
}

/**
 * Web Push subscriptions and the server's VAPID keys (issue #17), kept with the data. A subscription is
 * durable once `save` resolves. Devices register again at every start of the app, so a subscription lost to
 * damage comes back by itself; a lost key pair is the one thing that ends them all (vapid-keys.ts).
 */
export interface PushRepository {
  /** The key pair, made and kept on first use (text store: at open). */
  vapidKeys(): Promise<VapidKeys & { created: boolean }>;
  /**
   * Keeps `sub`, replacing the one of the same session and any other with the same endpoint (the same browser
   * logged in again). 'limit' and nothing changed when the user would hold more than `limitPerUser`.
   */
  save(sub: StoredPushSubscription, limitPerUser: number): Promise<'saved' | 'limit'>;
  /** Forgets the subscriptions of these sessions (logout, a session ended); how many there were. */
  removeSessions(keys: readonly string[]): Promise<number>;
  /** Forgets the subscription with this endpoint (the push service said it is gone: 404/410). */
  removeEndpoint(endpoint: string): Promise<void>;
  forUser(username: string): Promise<StoredPushSubscription[]>;
}
