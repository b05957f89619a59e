import { describe, expect, it } from 'vitest';
import type { HistoryResponse, Message } from '../../../api/contract';
import { EarlyReceipts } from '../../src/chat/early-receipts';
import { fromServer } from '../../src/chat/local-message';
import { ReadReceipts } from '../../src/chat/read-receipts';
import { ThreadPages } from '../../src/chat/thread-pages';
import { testChat } from '../support/chat-context';
import { at, localMessage, serverMessage, thread } from '../support/messages';
import { refusals } from '../support/scripted-api';

const fromBia = (n: number): Message => serverMessage({ id: `m${n}`, from: 'bia', to: 'ana', sentAt: at(n) });

function pagesIn(chat: ReturnType<typeof testChat>, early = new EarlyReceipts()) {
  return new ThreadPages(chat.context, early, new ReadReceipts(chat.context));
}

/** A history answer the test releases when it chooses. */
function heldAnswer() {
  let release: (page: HistoryResponse) => void = () => undefined;
  const answer = new Promise<HistoryResponse>((resolve) => (release = resolve));
  return { answer, release };
}

describe('ThreadPages', () => {
  it('when a conversation opens, then the cache and the outbox show at once, and the newest page replaces them', async () => {
    const chat = testChat();
    await chat.cache.putMessages('ana', [fromServer(fromBia(1)), fromServer(fromBia(2))]);
    await chat.cache.addToOutbox({ clientId: 'c1', from: 'ana', to: 'bia', content: 'waiting', createdAt: at(3) });
    await chat.cache.addToOutbox({ clientId: 'c2', from: 'ana', to: 'cris', content: 'other', createdAt: at(3) });
    const held = heldAnswer();
    chat.api.onHistory = () => held.answer;

    const opening = pagesIn(chat).open('bia');
    await expect.poll(() => chat.state.get().threads.bia?.messages.map((m) => m.id ?? m.clientId)).toEqual(['m1', 'm2', 'c1']);
    expect(chat.state.get().openPeer).toBe('bia');
    held.release({ messages: [fromBia(2), fromBia(4)], before: 'cursor-2' });
    await opening;

    expect(chat.api.historyQueries).toEqual([{ with: 'bia', limit: 50 }]);
    const shown = chat.state.get().threads.bia;
    expect(shown?.messages.map((m) => m.id ?? m.clientId)).toEqual(['m2', 'c1', 'm4']);
    expect(shown?.before).toBe('cursor-2');
    expect(chat.api.markedRead).toEqual([
      { peer: 'bia', upTo: 'm2' },
      { peer: 'bia', upTo: 'm4' },
    ]);
  });

  it('when the newest page arrived, then the cache keeps only the newest 200 messages of that conversation', async () => {
    const chat = testChat();
    await chat.cache.putMessages(
      'ana',
      Array.from({ length: 250 }, (_, n) =>
        fromServer(serverMessage({ id: `old${n}`, from: 'bia', to: 'ana', sentAt: new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString() })),
      ),
    );
    chat.api.onHistory = () => ({ messages: [fromBia(1)], before: 'cursor' });

    await pagesIn(chat).open('bia');

    const cached = await chat.cache.recentMessages('bia', 1000);
    expect(cached).toHaveLength(200);
    expect(cached.at(-1)?.id).toBe('m1');
    expect(cached[0]?.id).toBe('old51');
  });

  it('when the server has no such user, then the conversation says so, and has nothing older to load', async () => {
    const chat = testChat();
    chat.api.onHistory = () => refusals.userNotFound();

    await pagesIn(chat).open('ghost');

    expect(chat.state.get().threads.ghost).toMatchObject({ missing: true, before: null, messages: [] });
    expect(chat.failures).toEqual([]);
  });

  it('when the newest page cannot be had, then the cached messages stay and the failure goes to the session', async () => {
    const chat = testChat();
    await chat.cache.putMessages('ana', [fromServer(fromBia(1))]);
    const offline = refusals.network();
    chat.api.onHistory = () => offline;

    await pagesIn(chat).open('bia');

    expect(chat.state.get().threads.bia).toMatchObject({ before: undefined, missing: false });
    expect(chat.state.get().threads.bia?.messages.map((m) => m.id)).toEqual(['m1']);
    expect(chat.failures).toEqual([offline]);
  });

  it('when older messages are asked for, then the page before the cursor goes on top, once each, and into the cache', async () => {
    const chat = testChat({ threads: { bia: thread([fromServer(fromBia(5)), fromServer(fromBia(6))], { before: 'cursor-5' }) } });
    const held = heldAnswer();
    chat.api.onHistory = () => held.answer;
    const pages = pagesIn(chat);

    const loading = pages.loadOlder('bia');
    await pages.loadOlder('bia');
    expect(chat.state.get().threads.bia?.loadingOlder).toBe(true);
    held.release({ messages: [fromBia(3), fromBia(4), fromBia(5)], before: null });
    await loading;

    expect(chat.api.historyQueries).toEqual([{ with: 'bia', before: 'cursor-5', limit: 50 }]);
    expect(chat.state.get().threads.bia).toMatchObject({ before: null, loadingOlder: false });
    expect(chat.state.get().threads.bia?.messages.map((m) => m.id)).toEqual(['m3', 'm4', 'm5', 'm6']);
    expect((await chat.cache.recentMessages('bia', 10)).map((m) => m.id)).toEqual(['m3', 'm4']);
  });

  it('when the beginning is shown already, then nothing older is asked for', async () => {
    const chat = testChat({ threads: { bia: thread([fromServer(fromBia(1))], { before: null }) } });

    await pagesIn(chat).loadOlder('bia');

    expect(chat.api.requests).toEqual([]);
  });

  it('when an older page fails, then the thread can try again and the failure goes to the session', async () => {
    const chat = testChat({ threads: { bia: thread([fromServer(fromBia(5))], { before: 'cursor-5' }) } });
    const offline = refusals.network();
    chat.api.onHistory = () => offline;

    await pagesIn(chat).loadOlder('bia');

    expect(chat.state.get().threads.bia).toMatchObject({ before: 'cursor-5', loadingOlder: false });
    expect(chat.failures).toEqual([offline]);
  });

  it('when the network is back, then the open conversation loads its newest page only if the server never answered for it', async () => {
    const neverLoaded = testChat({ openPeer: 'bia', threads: { bia: thread([]) } });
    const loaded = testChat({ openPeer: 'bia', threads: { bia: thread([], { before: null }) } });
    for (const chat of [neverLoaded, loaded]) chat.api.onHistory = () => ({ messages: [fromBia(1)], before: null });

    pagesIn(neverLoaded).loadNewestIfNeverLoaded();
    pagesIn(loaded).loadNewestIfNeverLoaded();

    await expect.poll(() => neverLoaded.state.get().threads.bia?.messages.map((m) => m.id)).toEqual(['m1']);
    expect(loaded.api.requests).toEqual([]);
  });

  it('when a receipt came before the page with its message, then the message shows with it', async () => {
    const chat = testChat();
    const early = new EarlyReceipts();
    early.hold('mine', 'read');
    chat.api.onHistory = () => ({ messages: [serverMessage({ id: 'mine', from: 'ana', to: 'bia' })], before: null });

    await pagesIn(chat, early).open('bia');

    expect(chat.state.get().threads.bia?.messages).toEqual([
      localMessage({ id: 'mine', from: 'ana', to: 'bia', content: 'text of mine', status: 'read' }),
    ]);
  });

  it('when the conversation closes, then none is open', () => {
    const chat = testChat({ openPeer: 'bia' });

    pagesIn(chat).close();

    expect(chat.state.get().openPeer).toBeNull();
  });
});
