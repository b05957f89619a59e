import type { PushRepository, StoredPushSubscription } from '../store.js';
import { looksLikeVapidKeys, makeVapidKeys, type VapidKeys } from '../vapid-keys.js';
import type { Db } from './db.js';
import { NotifiedCache } from './notified-cache.js';

/**
 * What a NOTIFY that changes push subscriptions says: `push <user>...`, or `push *` for a change whose users
 * are not known here (a save may take an endpoint over from another account's session).
 */
export const PUSH_PAYLOAD = 'push';
const EVERY_USER = '*';
/** Users whose subscriptions are kept in memory; past this the memory starts over. */
const MAX_KEPT = 100_000;

interface SubscriptionRow extends Record<string, unknown> {
  session_key: string;
  username: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: Date;
}

/**
 * Web Push subscriptions in `push_subscriptions` and the VAPID keys in papo_meta (migration 011, issue #17).
 *
 * Every message stored asks for its recipient's subscriptions (push.ts), and most people have none: that read
 * was one of a message's round trips (issue #20). So each process keeps what it read, and every change to the
 * table announces whose subscriptions changed, in its own transaction (NotifiedCache says when that is sound).
 */
export class PgPush implements PushRepository {
  private keys: Promise<VapidKeys & { created: boolean }> | undefined;
  private readonly kept = new NotifiedCache<StoredPushSubscription[]>(MAX_KEPT);

  constructor(
    private readonly db: Db,
    /** The NOTIFY channel every process of this data set listens on (stream-notifications.ts). */
    private readonly channel: string,
  ) {}

  /** The LISTEN connection is up and caught up (true), or lost (false): see NotifiedCache. */
  listening(on: boolean): void {
    this.kept.listening(on);
  }

  /** A `push` NOTIFY's words: the users whose subscriptions changed, or `*`. */
  changed(users: readonly string[]): void {
    if (users.includes(EVERY_USER)) this.kept.forgetAll();
    else this.kept.forget(users);
  }

  /** Sessions ended (an account deletion takes their subscriptions along without a `push` NOTIFY). */
  sessionsEnded(keys: readonly string[]): void {
    const ended = new Set(keys);
    this.kept.forget(this.kept.keysWhere((subs) => subs.some((sub) => ended.has(sub.sessionKey))));
  }

  vapidKeys(): Promise<VapidKeys & { created: boolean }> {
    this.keys ??= this.readOrCreateKeys();
    this.keys.catch(() => {
      this.keys = undefined;
    });
    return this.keys;
  }

  async save(sub: StoredPushSubscription, limitPerUser: number): Promise<'saved' | 'limit'> {
    // The save may take the endpoint over from a session of another account: every process forgets all it kept.
    const [row] = await this.db.query<{ saved: boolean }>(
      'SELECT papo_save_push_subscription($1, $2, $3, $4, $5, $6, $7) AS saved, pg_notify($8, $9)',
      [
        sub.sessionKey,
        sub.username,
        sub.endpoint,
        sub.p256dh,
        sub.auth,
        sub.createdAt,
        limitPerUser,
        this.channel,
        `${PUSH_PAYLOAD} ${EVERY_USER}`,
      ],
    );
    this.changed([EVERY_USER]);
    return row?.saved ? 'saved' : 'limit';
  }

  async removeSessions(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.removeWhere('session_key = ANY($1)', keys);
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    await this.removeWhere('endpoint = $1', endpoint);
  }

  async forUser(username: string): Promise<StoredPushSubscription[]> {
    const known = this.kept.get(username);
    if (known !== undefined) return known.map((sub) => ({ ...sub }));
    const startedAt = this.kept.readStarted();
    const rows = await this.db.query<SubscriptionRow>(
      'SELECT session_key, username, endpoint, p256dh, auth, created_at FROM push_subscriptions WHERE username = $1 ORDER BY created_at',
      [username],
    );
    const subs = rows.map((r) => ({
      sessionKey: r.session_key,
      username: r.username,
      endpoint: r.endpoint,
      p256dh: r.p256dh,
      auth: r.auth,
      createdAt: r.created_at.toISOString(),
    }));
    this.kept.keep(username, subs, startedAt);
    return subs.map((sub) => ({ ...sub }));
  }

  /** Deletes the rows `condition` picks and announces whose they were, in one statement; returns how many. */
  private async removeWhere(condition: string, value: unknown): Promise<number> {
    const [row] = await this.db.query<{ removed: string; users: string[] }>(
      `WITH gone AS (DELETE FROM push_subscriptions WHERE ${condition} RETURNING username),
            users AS (SELECT DISTINCT username FROM gone)
       SELECT (SELECT count(*) FROM gone) AS removed,
              ARRAY(SELECT username FROM users WHERE pg_notify($2, $3 || ' ' || username) IS NOT NULL) AS users`,
      [value, this.channel, PUSH_PAYLOAD],
    );
    const users = row?.users ?? [];
    if (users.length > 0) this.changed(users);
    return Number(row?.removed ?? 0);
  }

  private async readOrCreateKeys(): Promise<VapidKeys & { created: boolean }> {
    const made = makeVapidKeys();
    const inserted = await this.db.query(
      "INSERT INTO papo_meta (key, value) VALUES ('vapid_keys', $1) ON CONFLICT (key) DO NOTHING RETURNING key",
      [`${made.publicKey}.${made.privateKey}`],
    );
    const [row] = await this.db.query<{ value: string }>("SELECT value FROM papo_meta WHERE key = 'vapid_keys'");
    const [publicKey = '', privateKey = ''] = (row?.value ?? '').split('.');
    const keys = { publicKey, privateKey };
    if (!looksLikeVapidKeys(keys)) throw new Error("papo_meta's vapid_keys is damaged: restore it, or delete that row to make new keys");
    return { ...keys, created: inserted.length > 0 };
  }
}
