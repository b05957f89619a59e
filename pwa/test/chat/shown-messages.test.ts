import { describe, expect, it } from 'vitest';
import { EarlyReceipts } from '../../src/chat/early-receipts';
import { ReadReceipts } from '../../src/chat/read-receipts';
import { ShownMessages } from '../../src/chat/shown-messages';
import { testChat } from '../support/chat-context';
import { at, localMessage, row, thread } from '../support/messages';

function shownIn(chat: ReturnType<typeof testChat>, early = new EarlyReceipts()) {
  return new ShownMessages(chat.context, early, new ReadReceipts(chat.context));
}

describe('ShownMessages', () => {
  it('when a message arrives live while the app is in the background, then it is counted, announced, notified and cached', async () => {
    const chat = testChat();
    chat.device.visible = false;
    const incoming = localMessage({ from: 'bia', to: 'ana', id: 'm1', content: 'oi!' });

    await shownIn(chat).upsert([incoming], { live: true });

    expect(chat.state.get().conversations).toEqual([row('bia', incoming, 1)]);
    expect(chat.state.get().announcement).toEqual({ text: 'New message from bia: oi!', seq: 1 });
    expect(chat.device.notifications).toEqual([{ from: 'bia', content: 'oi!' }]);
    expect(chat.device.badges).toEqual([1]);
    expect(await chat.cache.recentMessages('bia', 10)).toEqual([incoming]);
    expect(await chat.cache.conversations()).toEqual([row('bia', incoming, 1)]);
  });

  it('when it arrives in the conversation on screen, then nothing is notified and it is marked read at once', async () => {
    const chat = testChat({ openPeer: 'bia', threads: { bia: thread([]) } });
    const incoming = localMessage({ from: 'bia', to: 'ana', id: 'm1' });

    await shownIn(chat).upsert([incoming], { live: true });

    expect(chat.device.notifications).toEqual([]);
    expect(chat.api.markedRead).toEqual([{ peer: 'bia', upTo: 'm1' }]);
    expect(chat.state.get().threads.bia?.messages.map((m) => m.status)).toEqual(['read']);
    expect(chat.state.get().conversations[0]?.unread).toBe(0);
  });

  it('when messages are not live (history, a send answer), then nothing is announced or notified', async () => {
    const chat = testChat();
    chat.device.visible = false;

    await shownIn(chat).upsert([localMessage({ from: 'bia', to: 'ana', id: 'm1' })], { live: false });

    expect(chat.state.get().announcement).toEqual({ text: '', seq: 0 });
    expect(chat.device.notifications).toEqual([]);
  });

  it('when a receipt came before its message, then the message shows with it', async () => {
    const chat = testChat();
    const early = new EarlyReceipts();
    early.hold('m1', 'read');

    await shownIn(chat, early).upsert([localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'sent' })], { live: true });

    expect(chat.state.get().conversations[0]?.last.status).toBe('read');
  });

  it('when the outbox copy is replaced by the stored one, then the cache holds it once, under its key', async () => {
    const chat = testChat();
    const shown = shownIn(chat);
    const pending = localMessage({ from: 'ana', to: 'bia', clientId: 'c1', status: 'pending', sentAt: at(1) });

    await shown.upsert([pending], { live: false });
    await shown.upsert([{ ...pending, id: 'm1', status: 'sent' }], { live: false });

    expect(await chat.cache.recentMessages('bia', 10)).toEqual([{ ...pending, id: 'm1', status: 'sent' }]);
  });
});
