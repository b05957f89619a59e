import { describe, expect, it } from 'vitest';
import { EarlyReceipts } from '../../src/chat/early-receipts';
import { LiveEvents } from '../../src/chat/live-events';
import { MessageChanges } from '../../src/chat/message-changes';
import { ThreadPages } from '../../src/chat/thread-pages';
import { People } from '../../src/chat/people';
import { ReadReceipts } from '../../src/chat/read-receipts';
import { ShownMessages } from '../../src/chat/shown-messages';
import { testChat } from '../support/chat-context';
import { localMessage, row, serverMessage, thread } from '../support/messages';

function liveEventsIn(chat: ReturnType<typeof testChat>) {
  const early = new EarlyReceipts();
  const shown = new ShownMessages(chat.context, early, new ReadReceipts(chat.context));
  const people = new People(chat.context);
  const changes = new MessageChanges(chat.context, new ThreadPages(chat.context, early, new ReadReceipts(chat.context)));
  return { live: new LiveEvents(chat.context, early, shown, people, changes), shown, people };
}

describe('LiveEvents', () => {
  it('when an edit and a delete come for messages on screen, then they apply by id, and quotes follow (issue #18)', async () => {
    const chat = testChat();
    const { live } = liveEventsIn(chat);
    chat.state.update({ threads: { bia: thread([]) } });
    await live.apply([
      { type: 'message', message: serverMessage({ id: 'm1', from: 'bia', to: 'ana', content: 'oi' }) },
      {
        type: 'message',
        message: {
          ...serverMessage({ id: 'm2', from: 'ana', to: 'bia', content: 'olá' }),
          replyTo: { id: 'm1', from: 'bia', content: 'oi' },
        },
      },
      { type: 'edit', id: 'm1', content: 'oi, tudo bem?', editedAt: '2026-12-07T10:00:00.000Z' },
    ]);
    const shown = () => chat.state.get().threads.bia?.messages ?? [];
    expect(shown().map((m) => [m.id, m.content, m.editedAt ?? null])).toEqual([
      ['m1', 'oi, tudo bem?', '2026-12-07T10:00:00.000Z'],
      ['m2', 'olá', null],
    ]);
    expect(shown()[1]?.replyTo).toEqual({ id: 'm1', from: 'bia', content: 'oi, tudo bem?' });

    await live.apply([{ type: 'delete', id: 'm1', for: 'everyone', at: '2026-12-07T10:01:00.000Z' }]);
    expect(shown()[0]).toMatchObject({ id: 'm1', content: '', deleted: true });
    expect(shown()[1]?.replyTo).toEqual({ id: 'm1', from: 'bia', content: '', deleted: true });

    await live.apply([{ type: 'delete', id: 'm2', for: 'me', at: '2026-12-07T10:02:00.000Z' }]);
    expect(shown()[1]).toMatchObject({ id: 'm2', hidden: true });
  });

  it('when the stream brings messages, then they show as live: unread where not on screen', async () => {
    const chat = testChat();
    const { live } = liveEventsIn(chat);

    await live.apply([
      { type: 'message', message: serverMessage({ id: 'm1', from: 'bia', to: 'ana' }) },
      { type: 'message', message: serverMessage({ id: 'm2', from: 'bia', to: 'ana' }) },
    ]);

    expect(chat.state.get().conversations.map((r) => [r.with, r.last.id, r.unread])).toEqual([['bia', 'm2', 2]]);
    expect(chat.state.get().announcement.seq).toBe(1);
  });

  it('when a receipt for a loaded message of mine arrives, then its ticks move and the cache has it', async () => {
    const mine = localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'sent' });
    const chat = testChat({ threads: { bia: thread([mine]) }, conversations: [row('bia', mine)] });
    await chat.cache.putMessages('ana', [mine]);
    const { live } = liveEventsIn(chat);

    await live.apply([{ type: 'status', id: 'm1', status: 'delivered', at: mine.sentAt }]);

    const delivered = { ...mine, status: 'delivered' as const };
    expect(chat.state.get().threads.bia?.messages).toEqual([delivered]);
    expect(chat.state.get().conversations).toEqual([row('bia', delivered)]);
    expect(await chat.cache.recentMessages('bia', 10)).toEqual([delivered]);
    expect(await chat.cache.conversations()).toEqual([row('bia', delivered)]);
  });

  it('when a receipt comes for a message not loaded yet, then it is held and the message shows with it once it comes', async () => {
    const chat = testChat();
    const { live, shown } = liveEventsIn(chat);

    await live.apply([{ type: 'status', id: 'm1', status: 'read', at: serverMessage({ id: 'x', from: 'a', to: 'b' }).sentAt }]);
    await shown.upsert([localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'sent' })], { live: false });

    expect(chat.state.get().conversations[0]?.last.status).toBe('read');
  });

  it('when bia is typing, then it shows until her message arrives, and is never cached', async () => {
    const chat = testChat();
    const { live } = liveEventsIn(chat);

    await live.apply([{ type: 'typing', from: 'bia', seconds: 5 }]);
    expect(Object.keys(chat.state.get().typing)).toEqual(['bia']);

    await live.apply([{ type: 'message', message: serverMessage({ id: 'm1', from: 'bia', to: 'ana' }) }]);
    expect(chat.state.get().typing).toEqual({});
  });
});
