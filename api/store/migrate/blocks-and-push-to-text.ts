import type pg from 'pg';
import { encodeBlock } from '../text/block-list-file.js';
import type { DataLayout } from '../text/data-layout.js';
import { nodeDisk, writeDurably } from '../text/disk.js';
import { encodeSubscription } from '../text/push-subscriptions-file.js';
import { encodeVapidKeys } from '../text/vapid-key-file.js';

/**
 * bloqueios.txt, push-subscriptions.txt and vapid-keys.txt from the database (issue #17): the same blocks,
 * the same devices, and the key pair their subscriptions are bound to, so notifications keep arriving after
 * the move. A database that never made keys has none to carry: the text store makes a pair on first start.
 */
export async function exportBlocksAndPush(client: pg.Client, files: DataLayout, meta: ReadonlyMap<string, string>): Promise<void> {
  const blocks = (
    await client.query<{ blocker: string; blocked: string; at: Date }>('SELECT blocker, blocked, at FROM blocks ORDER BY blocker, blocked')
  ).rows;
  await writeDurably(
    nodeDisk,
    files.blocks,
    blocks.map((b) => encodeBlock({ kind: 'b', blocker: b.blocker, blocked: b.blocked, at: b.at.toISOString() })).join(''),
  );
  const subs = (
    await client.query<{ session_key: string; username: string; endpoint: string; p256dh: string; auth: string; created_at: Date }>(
      'SELECT * FROM push_subscriptions ORDER BY username, session_key',
    )
  ).rows;
  await writeDurably(
    nodeDisk,
    files.pushSubscriptions,
    subs
      .map((s) =>
        encodeSubscription({
          sessionKey: s.session_key,
          username: s.username,
          endpoint: s.endpoint,
          p256dh: s.p256dh,
          auth: s.auth,
          createdAt: s.created_at.toISOString(),
        }),
      )
      .join(''),
  );
  const vapid = meta.get('vapid_keys');
  if (vapid !== undefined) {
    const [publicKey = '', privateKey = ''] = vapid.split('.');
    await writeDurably(nodeDisk, files.vapidKeys, encodeVapidKeys({ publicKey, privateKey }));
  }
}
