import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PollResponse } from '../../../api/contract';
import { ChatSession } from '../../src/chat/chat-session';
import { MemoryChatCache } from '../support/memory-chat-cache';
import { at, localMessage, row, serverMessage } from '../support/messages';
import { ScriptedApi, refusals } from '../support/scripted-api';
import { TestDevice } from '../support/test-device';

const fromBia = (n: number) => serverMessage({ id: `m${n}`, from: 'bia', to: 'ana', sentAt: at(n) });
const events = (cursor: string, ...messages: ReturnType<typeof fromBia>[]): PollResponse => ({
  cursor,
  events: messages.map((message) => ({ type: 'message', message })),
});

describe('ChatSession', () => {
  let api: ScriptedApi;
  let cache: MemoryChatCache;
  let device: TestDevice;
  let signedOut: number;
  let session: ChatSession;
  let warnings: unknown[][];

  beforeEach(() => {
    api = new ScriptedApi();
    cache = new MemoryChatCache();
    device = new TestDevice();
    signedOut = 0;
    api.onConversations = () => ({ conversations: [] });
    api.onHistory = () => ({ messages: [], before: null });
    warnings = [];
    vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args));
    session = new ChatSession('ana', { api, cache, device }, () => signedOut++);
  });

  afterEach(() => {
    session.stop();
    vi.restoreAllMocks();
  });

  it('when the session starts, then the cached chats show, the stream resumes from the saved cursor and the outbox goes out', async () => {
    await cache.replaceConversations([row('bia', localMessage({ from: 'bia', to: 'ana', id: 'm0', sentAt: at(0) }), 1)]);
    await cache.setMeta('cursor', 'saved');
    await cache.addToOutbox({ clientId: 'c1', from: 'ana', to: 'bia', content: 'from before', createdAt: at(1) });
    api.onSend = (request) => ({
      message: serverMessage({ id: 'm1', from: 'ana', to: 'bia', content: request.content, clientId: request.clientId }),
    });
    // The server's list never comes, so what shows is the cache's.
    api.onConversations = () => new Promise(() => undefined);

    await session.start();

    expect(session.state.get().conversations.map((r) => r.with)).toEqual(['bia']);
    expect(device.badges[0]).toBe(1);
    await expect.poll(() => api.polls).toEqual(['saved']);
    await expect.poll(() => api.sent.map((s) => s.clientId)).toEqual(['c1']);
    expect(api.requests).toContain('conversations');
    expect(warnings).toEqual([]);
  });

  it('when the stream brings messages, then they show, and the cursor is saved once they are applied and cached', async () => {
    await session.start();
    await expect.poll(() => api.polls).toEqual([null]);

    api.answerPoll(events('after-m2', fromBia(1), fromBia(2)));

    await expect.poll(() => api.polls).toEqual([null, 'after-m2']);
    expect(session.state.get().conversations.map((r) => [r.with, r.last.id, r.unread])).toEqual([['bia', 'm2', 2]]);
    expect(await cache.getMeta('cursor')).toBe('after-m2');
    expect((await cache.conversations()).map((r) => r.last.id)).toEqual(['m2']);
    expect(session.state.get().connection).toBe('online');
  });

  it('when the network goes and comes back, then the screens say so, the held poll is dropped, and the outbox and stream resume', async () => {
    await session.start();
    await expect.poll(() => api.polls).toHaveLength(1);

    device.emit('offline');
    expect(session.state.get().connection).toBe('offline');
    await cache.addToOutbox({ clientId: 'c1', from: 'ana', to: 'bia', content: 'written offline', createdAt: at(1) });
    api.onSend = (request) => ({
      message: serverMessage({ id: 'm1', from: 'ana', to: 'bia', content: request.content, clientId: request.clientId }),
    });
    device.emit('online');

    expect(session.state.get().connection).toBe('connecting');
    await expect.poll(() => api.polls).toHaveLength(2);
    await expect.poll(() => api.sent.map((s) => s.content)).toEqual(['written offline']);
    api.answerPoll(events('c1'));
    await expect.poll(() => session.state.get().connection).toBe('online');
  });

  it('when a send is answered while the session thought it was offline, then it is online and the poll tries again at once', async () => {
    await session.start();
    await expect.poll(() => api.polls).toHaveLength(1);
    api.answerPoll(refusals.network());
    await expect.poll(() => session.state.get().connection).toBe('offline');
    api.onSend = (request) => ({
      message: serverMessage({ id: 'm1', from: 'ana', to: 'bia', content: request.content, clientId: request.clientId }),
    });

    await session.send('bia', 'got through');

    await expect.poll(() => session.state.get().connection).toBe('online');
    await expect.poll(() => api.polls).toHaveLength(2);
  });

  it('when the server is reached again, then what waited in the outbox goes, and an open conversation it never answered for loads', async () => {
    api.onHistory = () => refusals.network();
    await session.start();
    await session.openConversation('bia');
    api.answerPoll(refusals.network());
    await expect.poll(() => session.state.get().connection).toBe('offline');
    expect(session.state.get().threads.bia?.before).toBeUndefined();
    api.onHistory = () => ({ messages: [fromBia(1)], before: null });
    await cache.addToOutbox({ clientId: 'c1', from: 'ana', to: 'bia', content: 'waited', createdAt: at(2) });
    api.onSend = (request) => ({
      message: serverMessage({ id: 'm2', from: 'ana', to: 'bia', content: request.content, clientId: request.clientId, sentAt: at(2) }),
    });

    // Back from its back-off at once (as a phone's wake-up does), the poll gets through.
    device.emit('shown');
    api.answerPoll(events('c1'));

    await expect.poll(() => session.state.get().threads.bia?.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(api.sent.map((request) => request.content)).toEqual(['waited']);
    expect(session.state.get().connection).toBe('online');
  });

  it('when the app comes back on screen, then a fresh poll replaces the held one and the open conversation is marked read', async () => {
    await session.start();
    api.onHistory = () => ({ messages: [fromBia(1)], before: null });
    device.visible = false;
    await session.openConversation('bia');
    await expect.poll(() => api.polls).toHaveLength(1);
    expect(api.markedRead).toEqual([]);

    device.emit('shown');

    await expect.poll(() => api.polls).toHaveLength(2);
    expect(api.markedRead).toEqual([{ peer: 'bia', upTo: 'm1' }]);
  });

  it('when a request finds the login gone (401), then the session ends once, forgetting the chats and the user but not the outbox', async () => {
    await cache.setMeta('user', 'ana');
    await cache.setMeta('cursor', 'saved');
    await cache.addToOutbox({ clientId: 'c1', from: 'ana', to: 'bia', content: 'keep me', createdAt: at(1) });
    api.onSend = () => new Promise(() => undefined);
    api.onConversations = () => refusals.unauthorized();

    await session.start();

    await expect.poll(() => signedOut).toBe(1);
    await expect.poll(() => cache.meta.get('user')).toBeUndefined();
    expect(cache.meta.get('cursor')).toBeUndefined();
    expect((await cache.outbox('ana')).map((item) => item.content)).toEqual(['keep me']);
    expect(device.listening('online') + device.listening('offline') + device.listening('shown')).toBe(0);
  });

  it('when the stream then finds the login gone too, then the session is not ended a second time', async () => {
    api.onConversations = () => refusals.unauthorized();
    await session.start();
    await expect.poll(() => signedOut).toBe(1);

    session.sessionLost();
    api.answerPoll(refusals.unauthorized());
    await new Promise((resolve) => setTimeout(resolve, 10));

    expect(signedOut).toBe(1);
  });

  it('when the stream says the cursor expired, then the chats start over from the server, the open conversation too', async () => {
    await session.start();
    await session.openConversation('bia');
    api.answerPoll(events('c1', fromBia(1)));
    await expect.poll(() => session.state.get().threads.bia?.messages.map((m) => m.id)).toEqual(['m1']);
    api.onConversations = () => ({ conversations: [{ with: 'bia', last: fromBia(2), unread: 0 }] });
    api.onHistory = () => ({ messages: [fromBia(2)], before: null });

    api.answerPoll(refusals.cursorExpired());

    await expect.poll(() => session.state.get().threads.bia?.messages.map((m) => m.id)).toEqual(['m2']);
    expect(session.state.get().conversations.map((r) => r.last.id)).toEqual(['m2']);
    expect((await cache.recentMessages('bia', 10)).map((m) => m.id)).toEqual(['m2']);
    await expect.poll(() => api.polls.at(-1)).toBeNull();
  });

  it('when the person logs out, then the server is told, the chats and the user are forgotten and the badge clears, even if the request fails', async () => {
    await cache.setMeta('user', 'ana');
    await cache.replaceConversations([row('bia', localMessage({ from: 'bia', to: 'ana', id: 'm0' }), 1)]);
    api.onLogout = () => refusals.network();
    await session.start();

    await session.logout();

    expect(api.requests).toContain('logout');
    expect(cache.meta.get('user')).toBeUndefined();
    expect(await cache.conversations()).toEqual([]);
    expect(device.badges.at(-1)).toBe(0);
    expect(signedOut).toBe(0);
    expect(warnings).toHaveLength(1);
  });
});
