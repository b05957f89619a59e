import { describe, expect, it } from 'vitest';
import { applyMessages, applyReceipt, withNewestPage, withServerConversations } from '../../src/chat/chat-updates';
import { at, chatState, localMessage, row, serverMessage, thread } from '../support/messages';

const nobodyReading = { isReading: () => false };

describe('applyMessages', () => {
  it('when a message from someone arrives on the stream, then it joins their thread and row, counts unread and is an arrival', () => {
    const earlier = localMessage({ from: 'bia', to: 'ana', id: 'm1', sentAt: at(1) });
    const state = chatState({ me: 'ana', threads: { bia: thread([earlier]) }, conversations: [row('bia', earlier, 1)] });
    const incoming = localMessage({ from: 'bia', to: 'ana', id: 'm2', sentAt: at(2) });

    const applied = applyMessages(state, [incoming], { live: true, ...nobodyReading });

    expect(applied.threads.bia?.messages).toEqual([earlier, incoming]);
    expect(applied.conversations).toEqual([row('bia', incoming, 2)]);
    expect(applied.arrivals).toEqual([incoming]);
    expect(applied.stored).toEqual([incoming]);
    expect([...applied.touched]).toEqual(['bia']);
    expect(state.threads.bia?.messages).toEqual([earlier]);
  });

  it('when it arrives while that conversation is on screen, then it is not counted unread, but still announced', () => {
    const state = chatState({ me: 'ana', openPeer: 'bia' });
    const incoming = localMessage({ from: 'bia', to: 'ana', id: 'm1' });

    const applied = applyMessages(state, [incoming], { live: true, isReading: (peer) => peer === 'bia' });

    expect(applied.conversations).toEqual([row('bia', incoming, 0)]);
    expect(applied.arrivals).toEqual([incoming]);
  });

  it('when messages come from history or a send answer (not live), then nothing counts unread or is announced', () => {
    const incoming = localMessage({ from: 'bia', to: 'ana', id: 'm1' });

    const applied = applyMessages(chatState({ me: 'ana' }), [incoming], { live: false, ...nobodyReading });

    expect(applied.conversations).toEqual([row('bia', incoming, 0)]);
    expect(applied.arrivals).toEqual([]);
  });

  it('when my own message comes back stored, then it replaces its outbox copy under the same cache key', () => {
    const pending = localMessage({ from: 'ana', to: 'bia', clientId: 'c1', status: 'pending' });
    const state = chatState({ me: 'ana', threads: { bia: thread([pending]) }, conversations: [row('bia', pending)] });
    const stored = localMessage({ from: 'ana', to: 'bia', id: 'm1', clientId: 'c1', status: 'sent' });
    const storedWithoutClientId = localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'sent' });

    const applied = applyMessages(state, [stored], { live: true, ...nobodyReading });
    const again = applyMessages({ ...state, ...applied }, [{ ...storedWithoutClientId, status: 'delivered' }], {
      live: true,
      ...nobodyReading,
    });

    expect(applied.threads.bia?.messages).toEqual([stored]);
    expect(applied.conversations).toEqual([row('bia', stored)]);
    expect(applied.replacedKeys).toEqual([]);
    expect(applied.arrivals).toEqual([]);
    expect(again.threads.bia?.messages).toEqual([{ ...stored, status: 'delivered' }]);
    expect(again.replacedKeys).toEqual([]);
  });

  it('when a message known only by id gets a clientId from a later copy, then its old key is reported replaced', () => {
    const byId = localMessage({ from: 'ana', to: 'bia', id: 'm1' });
    const state = chatState({ me: 'ana', threads: { bia: thread([byId]) } });

    const applied = applyMessages(state, [{ ...byId, clientId: 'c1' }], { live: false, ...nobodyReading });

    expect(applied.replacedKeys).toEqual(['i:m1']);
    expect(applied.threads.bia?.messages).toEqual([{ ...byId, clientId: 'c1' }]);
  });

  it('when a copy of a known message arrives again, then it is neither unread nor an arrival a second time', () => {
    const known = localMessage({ from: 'bia', to: 'ana', id: 'm1' });
    const state = chatState({ me: 'ana', threads: { bia: thread([known]) }, conversations: [row('bia', known, 1)] });

    const applied = applyMessages(state, [known], { live: true, ...nobodyReading });

    expect(applied.conversations).toEqual([row('bia', known, 1)]);
    expect(applied.arrivals).toEqual([]);
    expect(applied.threads.bia?.messages).toEqual([known]);
  });

  it('when the thread is not loaded, then only the conversation row changes', () => {
    const incoming = localMessage({ from: 'bia', to: 'ana', id: 'm1' });

    const applied = applyMessages(chatState({ me: 'ana' }), [incoming], { live: true, ...nobodyReading });

    expect(applied.threads).toEqual({});
    expect(applied.conversations).toEqual([row('bia', incoming, 1)]);
  });

  it('when an older message arrives, then the row keeps its newer last message and the thread puts it in time order', () => {
    const newer = localMessage({ from: 'bia', to: 'ana', id: 'm2', sentAt: at(5) });
    const older = localMessage({ from: 'bia', to: 'ana', id: 'm1', sentAt: at(1) });
    const state = chatState({ me: 'ana', threads: { bia: thread([newer]) }, conversations: [row('bia', newer)] });

    const applied = applyMessages(state, [older], { live: false, ...nobodyReading });

    expect(applied.conversations).toEqual([row('bia', newer)]);
    expect(applied.threads.bia?.messages).toEqual([older, newer]);
  });

  it('when messages touch several conversations, then the rows come back newest first', () => {
    const fromBia = localMessage({ from: 'bia', to: 'ana', id: 'm1', sentAt: at(1) });
    const fromCris = localMessage({ from: 'cris', to: 'ana', id: 'm2', sentAt: at(2) });

    const applied = applyMessages(chatState({ me: 'ana' }), [fromBia, fromCris], { live: false, ...nobodyReading });

    expect(applied.conversations.map((r) => r.with)).toEqual(['cris', 'bia']);
    expect([...applied.touched]).toEqual(['bia', 'cris']);
  });
});

describe('applyReceipt', () => {
  it('when a receipt arrives for a loaded message of mine, then its thread and row show it, and it is listed to cache', () => {
    const mine = localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'sent' });
    const other = thread([localMessage({ from: 'cris', to: 'ana', id: 'm9' })]);
    const state = chatState({ me: 'ana', threads: { bia: thread([mine]), cris: other }, conversations: [row('bia', mine)] });

    const result = applyReceipt(state, 'm1', 'delivered');

    const delivered = { ...mine, status: 'delivered' as const };
    expect(result.threads.bia?.messages).toEqual([delivered]);
    expect(result.conversations).toEqual([row('bia', delivered)]);
    expect(result.updated).toEqual([delivered, delivered]);
    expect(result.threads.cris).toBe(other);
  });

  it('when the receipt is older than what is shown, then nothing changes', () => {
    const read = localMessage({ from: 'ana', to: 'bia', id: 'm1', status: 'read' });
    const state = chatState({ me: 'ana', threads: { bia: thread([read]) }, conversations: [row('bia', read)] });

    const result = applyReceipt(state, 'm1', 'delivered');

    expect(result.updated).toEqual([]);
    expect(result.threads.bia).toBe(state.threads.bia);
    expect(result.conversations[0]).toBe(state.conversations[0]);
  });

  it('when the message is not loaded anywhere, then nothing is updated', () => {
    const state = chatState({ me: 'ana', threads: { bia: thread([localMessage({ from: 'ana', to: 'bia', id: 'm1' })]) } });

    expect(applyReceipt(state, 'unknown', 'read').updated).toEqual([]);
  });
});

describe('withNewestPage', () => {
  it('when the newest page arrives, then it replaces the cached copy, keeping unsent messages and newer live ones', () => {
    const cachedOld = localMessage({ from: 'bia', to: 'ana', id: 'gone', sentAt: at(1) });
    const cachedRead = localMessage({ from: 'ana', to: 'bia', id: 'm2', sentAt: at(2), status: 'read' });
    const pending = localMessage({ from: 'ana', to: 'bia', clientId: 'c1', sentAt: at(3), status: 'pending' });
    const failed = localMessage({ from: 'ana', to: 'bia', clientId: 'c2', sentAt: at(1), status: 'failed', failure: 'no' });
    const live = localMessage({ from: 'bia', to: 'ana', id: 'm9', sentAt: at(9) });
    const page = [
      localMessage({ from: 'bia', to: 'ana', id: 'm1', sentAt: at(2) }),
      localMessage({ from: 'ana', to: 'bia', id: 'm2', sentAt: at(2), status: 'sent' }),
      localMessage({ from: 'bia', to: 'ana', id: 'm3', sentAt: at(4) }),
    ];

    const messages = withNewestPage(thread([cachedOld, failed, cachedRead, pending, live]), page);

    expect(messages.map((m) => m.id ?? m.clientId)).toEqual(['c2', 'm1', 'm2', 'c1', 'm3', 'm9']);
    expect(messages.find((m) => m.id === 'm2')?.status).toBe('read');
  });

  it('when an outbox copy is in the page already (sent meanwhile), then it shows once, as stored', () => {
    const pending = localMessage({ from: 'ana', to: 'bia', clientId: 'c1', sentAt: at(3), status: 'pending' });
    const stored = localMessage({ from: 'ana', to: 'bia', id: 'm1', clientId: 'c1', sentAt: at(3), status: 'sent' });

    expect(withNewestPage(thread([pending]), [stored])).toEqual([stored]);
  });
});

describe('withServerConversations', () => {
  it('when the server lists the conversations, then its rows and unread counts win over the cached ones', () => {
    const cached = row('bia', localMessage({ from: 'bia', to: 'ana', id: 'm1', sentAt: at(1) }), 3);
    const last = serverMessage({ id: 'm2', from: 'bia', to: 'ana', sentAt: at(2) });

    const rows = withServerConversations([cached], [{ with: 'bia', last, unread: 1 }]);

    expect(rows).toEqual([row('bia', { id: 'm2', from: 'bia', to: 'ana', content: 'text of m2', sentAt: at(2), status: 'sent' }, 1)]);
  });

  it('when the server says the peer deleted their account, then the row says so, and a new message keeps it said', () => {
    const last = serverMessage({ id: 'm2', from: 'bia', to: 'ana', sentAt: at(2) });

    const rows = withServerConversations([], [{ with: 'bia', last, unread: 0, deleted: true }]);
    expect(rows[0]?.deleted).toBe(true);

    const later = localMessage({ from: 'ana', to: 'bia', clientId: 'c9', sentAt: at(3), status: 'failed' });
    const applied = applyMessages(chatState({ me: 'ana', conversations: rows }), [later], { live: false, ...nobodyReading });
    expect(applied.conversations[0]?.deleted).toBe(true);
  });

  it('when this device has a newer unsent message, then the row shows it; an unsent conversation only this device has stays', () => {
    const pending = localMessage({ from: 'ana', to: 'bia', clientId: 'c1', sentAt: at(5), status: 'pending' });
    const failedElsewhere = localMessage({ from: 'ana', to: 'ghost', clientId: 'c2', sentAt: at(3), status: 'failed' });
    const readOnlyHere = row('gone', localMessage({ from: 'gone', to: 'ana', id: 'old', sentAt: at(9) }));
    const last = serverMessage({ id: 'm2', from: 'bia', to: 'ana', sentAt: at(2) });

    const rows = withServerConversations(
      [row('bia', pending), row('ghost', failedElsewhere), readOnlyHere],
      [{ with: 'bia', last, unread: 0 }],
    );

    expect(rows).toEqual([row('bia', pending), row('ghost', failedElsewhere)]);
  });
});
