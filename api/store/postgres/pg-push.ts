import type { PushRepository, StoredPushSubscription } from '../store.js';
import { looksLikeVapidKeys, makeVapidKeys, type VapidKeys } from '../vapid-keys.js';
import type { Db } from './db.js';

interface SubscriptionRow extends Record<string, unknown> {
  session_key: string;
  username: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: Date;
}

/** Web Push subscriptions in `push_subscriptions` and the VAPID keys in papo_meta (migration 011, issue #17). */
export class PgPush implements PushRepository {
  private keys: Promise<VapidKeys & { created: boolean }> | undefined;

  constructor(private readonly db: Db) {}

  vapidKeys(): Promise<VapidKeys & { created: boolean }> {
    this.keys ??= this.readOrCreateKeys();
    this.keys.catch(() => {
      this.keys = undefined;
    });
    return this.keys;
  }

  async save(sub: StoredPushSubscription, limitPerUser: number): Promise<'saved' | 'limit'> {
    const [row] = await this.db.query<{ saved: boolean }>('SELECT papo_save_push_subscription($1, $2, $3, $4, $5, $6, $7) AS saved', [
      sub.sessionKey,
      sub.username,
      sub.endpoint,
      sub.p256dh,
      sub.auth,
      sub.createdAt,
      limitPerUser,
    ]);
    return row?.saved ? 'saved' : 'limit';
  }

  async removeSessions(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const rows = await this.db.query('DELETE FROM push_subscriptions WHERE session_key = ANY($1) RETURNING session_key', [keys]);
    return rows.length;
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    await this.db.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint]);
  }

  async forUser(username: string): Promise<StoredPushSubscription[]> {
    const rows = await this.db.query<SubscriptionRow>(
      'SELECT session_key, username, endpoint, p256dh, auth, created_at FROM push_subscriptions WHERE username = $1 ORDER BY created_at',
      [username],
    );
    return rows.map((r) => ({
      sessionKey: r.session_key,
      username: r.username,
      endpoint: r.endpoint,
      p256dh: r.p256dh,
      auth: r.auth,
      createdAt: r.created_at.toISOString(),
    }));
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
