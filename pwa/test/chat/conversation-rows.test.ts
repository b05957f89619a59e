import { describe, expect, it } from 'vitest';
import { ConversationRows } from '../../src/chat/conversation-rows';
import { ReadReceipts } from '../../src/chat/read-receipts';
import { testChat } from '../support/chat-context';
import { at, localMessage, row, serverMessage, thread } from '../support/messages';
import { refusals } from '../support/scripted-api';

function rowsIn(chat: ReturnType<typeof testChat>) {
  return new ConversationRows(chat.context, new ReadReceipts(chat.context));
}

describe('ConversationRows', () => {
  it('when the session starts, then the cached rows show newest first, and the badge counts them', async () => {
    const chat = testChat();
    await chat.cache.replaceConversations([
      row('bia', localMessage({ from: 'bia', to: 'ana', id: 'b', sentAt: at(1) }), 2),
      row('cris', localMessage({ from: 'cris', to: 'ana', id: 'c', sentAt: at(2) }), 1),
    ]);

    await rowsIn(chat).showCached();

    expect(chat.state.get().conversations.map((r) => r.with)).toEqual(['cris', 'bia']);
    expect(chat.device.badges).toEqual([3]);
  });

  it('when the server lists the conversations, then they show and are cached, keeping this device’s unsent ones', async () => {
    const pending = localMessage({ from: 'ana', to: 'dani', clientId: 'c1', status: 'pending', sentAt: at(9) });
    const chat = testChat({ conversations: [row('dani', pending)] });
    const last = serverMessage({ id: 'm1', from: 'bia', to: 'ana', sentAt: at(1) });
    chat.api.onConversations = () => ({ conversations: [{ with: 'bia', last, unread: 4 }] });

    await rowsIn(chat).refresh();

    expect(chat.state.get().conversations.map((r) => [r.with, r.unread])).toEqual([
      ['dani', 0],
      ['bia', 4],
    ]);
    expect(chat.device.badges).toEqual([4]);
    expect((await chat.cache.conversations()).map((r) => r.with)).toEqual(['bia', 'dani']);
  });

  it('when the open conversation is among them, then it is marked read', async () => {
    const message = serverMessage({ id: 'm1', from: 'bia', to: 'ana' });
    const chat = testChat({ openPeer: 'bia', threads: { bia: thread([localMessage({ ...message })]) } });
    chat.api.onConversations = () => ({ conversations: [{ with: 'bia', last: message, unread: 1 }] });

    await rowsIn(chat).refresh();

    expect(chat.state.get().conversations[0]?.unread).toBe(0);
    expect(chat.api.markedRead).toEqual([{ peer: 'bia', upTo: 'm1' }]);
  });

  it('when the server cannot be asked, then the rows stay and the failure goes to the session', async () => {
    const cached = row('bia', localMessage({ from: 'bia', to: 'ana', id: 'b' }), 1);
    const chat = testChat({ conversations: [cached] });
    const offline = refusals.network();
    chat.api.onConversations = () => offline;

    await rowsIn(chat).refresh();

    expect(chat.state.get().conversations).toEqual([cached]);
    expect(chat.failures).toEqual([offline]);
  });
});
