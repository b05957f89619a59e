import type pg from 'pg';
import type { BlockRepository, PushRepository } from '../store.js';

/**
 * Who blocked whom (issue #17), the devices with notifications on and the VAPID key pair they are bound to
 * (issue #17), read through the stores' faces (BlockRepository, PushRepository). The keys replace any the
 * database made for itself (claimEpoch made sure it holds no other data set): with other keys, every
 * device's subscription would stop receiving without a word. Inside the import's last transaction.
 */
export async function copyBlocksAndPush(
  client: pg.Client,
  text: { blocks: BlockRepository; push: PushRepository },
  users: readonly string[],
): Promise<void> {
  for (const blocker of users) {
    const blocked = await text.blocks.list(blocker);
    if (blocked.length === 0) continue;
    await client.query(
      `INSERT INTO blocks (blocker, blocked, at) SELECT $1, * FROM unnest($2::text[], $3::timestamptz[])
       ON CONFLICT (blocker, blocked) DO UPDATE SET at = excluded.at`,
      [blocker, blocked.map((b) => b.username), blocked.map((b) => b.at)],
    );
  }
  const keys = await text.push.vapidKeys();
  await client.query(
    "INSERT INTO papo_meta (key, value) VALUES ('vapid_keys', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [`${keys.publicKey}.${keys.privateKey}`],
  );
  for (const user of users) {
    const subs = await text.push.forUser(user);
    if (subs.length === 0) continue;
    await client.query(
      `INSERT INTO push_subscriptions (session_key, username, endpoint, p256dh, auth, created_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [
        subs.map((s) => s.sessionKey),
        subs.map((s) => s.username),
        subs.map((s) => s.endpoint),
        subs.map((s) => s.p256dh),
        subs.map((s) => s.auth),
        subs.map((s) => s.createdAt),
      ],
    );
  }
}
