/**
 * Who may write to me (issue #17): a blocked person's messages are withheld (never delivered, never in my
 * stream, history, conversation list or unread counts), the sender is not told (their copy stays "sent"),
 * blocks survive a restart, and blocking yourself is refused. On both stores.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { BlocksResponse, ConversationsResponse, HistoryResponse, Message, UserProfile, UsersResponse } from '../../api/contract.js';
import { STORES, testServers } from '../support/server.js';
import { messagesOf, poll, send, signUp, statusesOf } from '../support/users.js';

const servers = testServers();

async function historyWith(device: Awaited<ReturnType<typeof signUp>>, peer: string): Promise<Message[]> {
  return ((await device.get(`/api/history?with=${peer}`).expect(200)).body as HistoryResponse).messages;
}

describe.each(STORES)('blocking (%s store)', (store) => {
  it('when alice blocked bruno, then his messages never reach her stream, history or conversations, and stay "sent" for him', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    const carla = await signUp(s.url, 'carla');
    await send(bruno, 'alice', 'before the block');
    const start = await poll(alice);
    expect(messagesOf(start.events).map((m) => m.content)).toEqual(['before the block']);

    await alice.put('/api/account/blocks/Bruno').expect(204);
    expect(((await alice.get('/api/account/blocks').expect(200)).body as BlocksResponse).blocked.map((b) => b.username)).toEqual(['bruno']);
    const withheld = await send(bruno, 'alice', 'after the block');
    expect(withheld.status).toBe('sent');
    await send(carla, 'alice', 'from carla');

    // Her poll acknowledges past his message's number: it still is not hers.
    const next = await poll(alice, start.cursor);
    expect(messagesOf(next.events).map((m) => m.content)).toEqual(['from carla']);
    await poll(alice, next.cursor);
    expect((await historyWith(alice, 'bruno')).map((m) => m.content)).toEqual(['before the block']);
    const conversations = ((await alice.get('/api/conversations').expect(200)).body as ConversationsResponse).conversations;
    expect(conversations.map((c) => c.with)).toEqual(['carla']);

    // Bruno's side: his message, "sent", and no status event for it ever.
    const mine = await historyWith(bruno, 'alice');
    expect(mine.map((m) => [m.content, m.status])).toEqual([
      ['before the block', 'delivered'],
      ['after the block', 'sent'],
    ]);
    expect(statusesOf((await poll(bruno)).events).filter((e) => e.id === withheld.id)).toEqual([]);

    // A read mark past it is refused for its id, and moves nothing for him.
    await alice.post('/api/messages/read').send({ with: 'bruno', upTo: withheld.id }).expect(404);

    // His edit and his delete of it stay his: her stream gets neither, and she cannot hide what she never had.
    const mark = (await poll(alice)).cursor;
    await bruno.patch(`/api/messages/${withheld.id}`).send({ content: 'edited while blocked' }).expect(200);
    await bruno.delete(`/api/messages/${withheld.id}?for=everyone`).expect(204);
    await send(carla, 'alice', 'after his changes');
    expect((await poll(alice, mark)).events.map((e) => (e.type === 'message' ? e.message.content : e.type))).toEqual(['after his changes']);
    await alice.delete(`/api/messages/${withheld.id}?for=me`).expect(404);
  });

  it('when alice unblocks bruno, then his new messages arrive again, and what was withheld stays withheld; blocks survive a restart', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    await signUp(s.url, 'bruno');
    await alice.put('/api/account/blocks/bruno').expect(204);
    await alice.put('/api/account/blocks/bruno').expect(204);

    const again = await servers.restart(s);
    const alice2 = await signUp(again.url, 'alice');
    const bruno2 = await signUp(again.url, 'bruno');
    expect(((await alice2.get('/api/account/blocks').expect(200)).body as BlocksResponse).blocked.map((b) => b.username)).toEqual([
      'bruno',
    ]);
    await send(bruno2, 'alice', 'while blocked');
    expect(messagesOf((await poll(alice2)).events)).toEqual([]);

    await alice2.delete('/api/account/blocks/bruno').expect(204);
    await alice2.delete('/api/account/blocks/bruno').expect(204);
    await send(bruno2, 'alice', 'after unblocking');
    const arrived = await poll(alice2);
    expect(messagesOf(arrived.events).map((m) => m.content)).toEqual(['after unblocking']);
    await poll(alice2, arrived.cursor);
    expect((await historyWith(alice2, 'bruno')).map((m) => m.content)).toEqual(['after unblocking']);
    expect((await historyWith(bruno2, 'alice')).map((m) => [m.content, m.status])).toEqual([
      ['while blocked', 'sent'],
      ['after unblocking', 'delivered'],
    ]);

    const third = await servers.restart(again);
    const bruno3 = await signUp(third.url, 'bruno');
    expect((await historyWith(bruno3, 'alice')).map((m) => [m.content, m.status])).toEqual([
      ['while blocked', 'sent'],
      ['after unblocking', 'delivered'],
    ]);
    const alice3 = await signUp(third.url, 'alice');
    expect(((await alice3.get('/api/account/blocks').expect(200)).body as BlocksResponse).blocked).toEqual([]);
  });

  it('when bruno answers a message alice never got (withheld) after she unblocks him, then she gets the answer without its quote', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    await alice.put('/api/account/blocks/bruno').expect(204);
    const withheld = await send(bruno, 'alice', 'texto retido pelo bloqueio');
    await alice.delete('/api/account/blocks/bruno').expect(204);
    const reply = await bruno.post('/api/messages').send({ to: 'alice', content: 'e então?', replyTo: withheld.id }).expect(201);
    expect((reply.body as { message: Message }).message.replyTo?.content).toBe('texto retido pelo bloqueio');

    const got = messagesOf((await poll(alice)).events).find((m) => m.content === 'e então?');
    expect(got).toBeDefined();
    expect(JSON.stringify(got)).not.toContain('texto retido');
    expect(JSON.stringify(await historyWith(alice, 'bruno'))).not.toContain('texto retido');
    const conversations = ((await alice.get('/api/conversations').expect(200)).body as ConversationsResponse).conversations;
    expect(JSON.stringify(conversations)).not.toContain('texto retido');
    expect(
      JSON.stringify(
        await alice
          .get('/api/search?q=então')
          .expect(200)
          .then((r) => r.body as unknown),
      ),
    ).not.toContain('texto retido');
  });

  it('when alice blocked bruno, then he sees neither her last seen, online status and photo, nor her typing; nor she his typing', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    const photo = await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 9, g: 90, b: 200 } } })
      .png()
      .toBuffer();
    const uploaded = await alice
      .post('/api/attachments?name=eu.png')
      .set('Content-Type', 'application/octet-stream')
      .send(photo)
      .expect(201);
    await alice.patch('/api/profile').send({ photo: uploaded.body.attachment.id }).expect(200);
    await poll(alice, undefined, 0);
    const before = (await bruno.get('/api/users/alice').expect(200)).body as UserProfile;
    expect(before.presence).not.toBeNull();
    expect(before.photoUrl).not.toBeNull();
    await bruno.get('/api/users/alice/photo').expect(200);

    await alice.put('/api/account/blocks/bruno').expect(204);
    const after = (await bruno.get('/api/users/alice').expect(200)).body as UserProfile;
    expect(after.presence).toBeNull();
    expect(after.photoUrl).toBeNull();
    const [listed] = ((await bruno.get('/api/users?names=alice').expect(200)).body as UsersResponse).users;
    expect(listed?.presence).toBeNull();
    expect(listed?.photoUrl).toBeNull();
    const refused = await bruno.get('/api/users/alice/photo').expect(404);
    const none = await bruno.get('/api/users/bruno/photo').expect(404);
    expect(refused.body.error.code).toBe(none.body.error.code);
    // Alice still sees her own profile whole, and a third person sees it as before.
    const carla = await signUp(s.url, 'carla');
    expect(((await carla.get('/api/users/alice').expect(200)).body as UserProfile).photoUrl).not.toBeNull();

    // Typing: neither way, and the typist is answered as usual.
    const aliceMark = (await poll(alice, undefined, 0)).cursor;
    const brunoMark = (await poll(bruno, undefined, 0)).cursor;
    await bruno.post('/api/typing').send({ to: 'alice' }).expect(204);
    await alice.post('/api/typing').send({ to: 'bruno' }).expect(204);
    await send(carla, 'alice', 'marca');
    await send(carla, 'bruno', 'marca');
    expect((await poll(alice, aliceMark)).events.filter((e) => e.type === 'typing')).toEqual([]);
    expect((await poll(bruno, brunoMark)).events.filter((e) => e.type === 'typing')).toEqual([]);
    // Carla's typing still reaches alice.
    await carla.post('/api/typing').send({ to: 'alice' }).expect(204);
    expect((await poll(alice, aliceMark)).events.some((e) => e.type === 'typing')).toBe(true);
  });

  it('when a user blocks themself, an unknown user or a name that cannot be one, then it is refused', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    expect((await alice.put('/api/account/blocks/ALICE').expect(400)).body.error.code).toBe('invalid_request');
    expect((await alice.put('/api/account/blocks/nobody-here').expect(404)).body.error.code).toBe('user_not_found');
    expect((await alice.put('/api/account/blocks/a').expect(400)).body.error.code).toBe('invalid_username');
  });
});
