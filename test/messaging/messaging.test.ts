import { afterEach, describe, expect, it } from 'vitest';
import { LongPollHub } from '../../api/messaging/long-poll.js';
import { createMessaging, type Messaging, type PollInput } from '../../api/messaging/messaging.js';
import type { Store } from '../../api/store/store.js';
import { HASH, storeUnderTest } from '../postgres/helpers.js';
import { STORES } from '../support/server.js';

/**
 * The messaging use-cases on a real store and hub, without HTTP (issue #16): persist first, then wake; a cursor
 * acknowledges; a cursor never handed out is 410. On both stores.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(kind: (typeof STORES)[number]): Promise<{ store: Store; hub: LongPollHub; messaging: Messaging }> {
  const sut = await storeUnderTest(kind, { now: () => new Date() });
  cleanups.push(() => sut.destroy());
  const { store } = sut;
  for (const username of ['alice', 'bruno']) await store.users.create({ username, passwordHash: HASH });
  const hub = new LongPollHub({ perUser: 5, total: 100 });
  cleanups.push(async () => hub.shutdown());
  return { store, hub, messaging: createMessaging(store, hub, await store.messages.tokenKey()) };
}

const poll = (after: string | undefined, waitSeconds = 5): PollInput => ({
  ...(after === undefined ? {} : { after }),
  waitSeconds,
  session: { key: 'session-key', expiresAt: Date.now() + 60_000 },
  onGone: () => undefined,
});

describe.each(STORES)('messaging (%s store)', (kind) => {
  it('when a message is sent, then the held poll of its recipient answers with it, from the durable stream', async () => {
    const { store, hub, messaging } = await setUp(kind);
    const start = await messaging.poll('bruno', poll(undefined, 0));
    const held = messaging.poll('bruno', poll(start.cursor));
    await expect.poll(() => hub.isHolding('bruno')).toBe(true);
    const sent = await messaging.send('alice', { to: 'bruno', content: 'oi' });
    const answer = await held;
    expect(answer.events).toEqual([{ type: 'message', message: sent.message }]);
    // What the poll handed over is in the store: it was woken after the write resolved.
    expect((await store.messages.readStream('bruno', 0, 10)).events).toHaveLength(1);
  });

  it("when the recipient polls with the cursor it got, then the sender's held poll gets the delivered status", async () => {
    const { hub, messaging } = await setUp(kind);
    const bruno0 = await messaging.poll('bruno', poll(undefined, 0));
    const sent = await messaging.send('alice', { to: 'bruno', content: 'oi' });
    const alice0 = await messaging.poll('alice', poll(undefined, 0));
    const bruno1 = await messaging.poll('bruno', poll(bruno0.cursor, 0));
    expect(bruno1.events).toHaveLength(1);
    const aliceHeld = messaging.poll('alice', poll(alice0.cursor));
    await expect.poll(() => hub.isHolding('alice')).toBe(true);
    await messaging.poll('bruno', poll(bruno1.cursor, 0));
    expect((await aliceHeld).events).toEqual([expect.objectContaining({ type: 'status', id: sent.message.id, status: 'delivered' })]);
  });

  it('when the same clientId is sent again, then the first message comes back, not created, and nothing new is stored', async () => {
    const { store, messaging } = await setUp(kind);
    const first = await messaging.send('alice', { to: 'bruno', content: 'oi', clientId: 'c1' });
    const again = await messaging.send('alice', { to: 'bruno', content: 'oi', clientId: 'c1' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ message: first.message, created: false });
    await expect(messaging.send('alice', { to: 'bruno', content: 'other', clientId: 'c1' })).rejects.toMatchObject({
      code: 'client_id_conflict',
    });
    expect((await store.messages.readStream('bruno', 0, 10)).events).toHaveLength(1);
  });

  it('when a send breaks a rule, then the documented error and nothing is stored', async () => {
    const { store, messaging } = await setUp(kind);
    await expect(messaging.send('alice', { to: 'alice', content: 'me' })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(messaging.send('alice', { to: 'nobody', content: 'x' })).rejects.toMatchObject({ code: 'user_not_found' });
    await expect(messaging.send('alice', { to: 'bruno', content: '' })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(messaging.send('alice', { to: 'bruno', content: 'a\ud800b' })).rejects.toMatchObject({ code: 'invalid_request' });
    expect((await store.messages.readStream('alice', 0, 10)).events).toEqual([]);
  });

  it('when a cursor of this data set names a position never handed out, then 410 cursor_expired and nothing is acknowledged', async () => {
    const { store, messaging } = await setUp(kind);
    await messaging.send('alice', { to: 'bruno', content: 'oi' });
    const { cursor } = await messaging.poll('bruno', poll(undefined, 0));
    // The same data set and key, a position far ahead: as a cursor kept from before a restore of an older backup.
    const { StreamCursors } = await import('../../api/messaging/cursor.js');
    const { TokenCipher } = await import('../../api/messaging/token-cipher.js');
    const ahead = new StreamCursors(new TokenCipher((await store.messages.tokenKey()).key), store.messages.epoch).encode(1_000_000);
    expect(ahead.split('-')[0]).toBe(cursor.split('-')[0]);
    await expect(messaging.poll('bruno', poll(ahead, 0))).rejects.toMatchObject({ code: 'cursor_expired', status: 410 });
    expect(await store.messages.startPosition('bruno')).toBe(0);
  });
});
