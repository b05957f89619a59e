import { describe, expect, it } from 'vitest';
import { ReadReceipts } from '../../src/chat/read-receipts';
import { testChat } from '../support/chat-context';
import { at, localMessage, row, thread } from '../support/messages';
import { refusals } from '../support/scripted-api';

const fromBia = (id: string, minute: number) => localMessage({ from: 'bia', to: 'ana', id, sentAt: at(minute) });
const mine = localMessage({ from: 'ana', to: 'bia', id: 'mine', sentAt: at(3) });

function openOnBia() {
  return testChat({
    openPeer: 'bia',
    threads: { bia: thread([fromBia('m1', 1), fromBia('m2', 2), mine]) },
    conversations: [row('bia', mine, 2), row('cris', fromBia('c1', 0), 1)],
  });
}

describe('ReadReceipts', () => {
  it('when the open conversation is on screen, then its messages show read, its unread goes, and the server hears up to the newest', async () => {
    const { context, state, api, device } = openOnBia();

    await new ReadReceipts(context).markRead('bia');

    expect(api.markedRead).toEqual([{ peer: 'bia', upTo: 'm2' }]);
    expect(state.get().threads.bia?.messages.map((m) => m.status)).toEqual(['read', 'read', 'sent']);
    expect(state.get().conversations.map((r) => r.unread)).toEqual([0, 1]);
    expect(device.badges).toEqual([1]);
  });

  it('when the newest message from the peer is one the server could not read, then the receipt goes up to the one before', async () => {
    const placeholder = { ...fromBia('m3', 4), content: '', unreadable: true as const };
    const { context, api } = testChat({ openPeer: 'bia', threads: { bia: thread([fromBia('m1', 1), fromBia('m2', 2), placeholder]) } });

    await new ReadReceipts(context).markRead('bia');

    expect(api.markedRead).toEqual([{ peer: 'bia', upTo: 'm2' }]);
  });

  it('when asked again with nothing new, then the server is not asked again', async () => {
    const { context, api } = openOnBia();
    const receipts = new ReadReceipts(context);

    await receipts.markRead('bia');
    await receipts.markRead('bia');

    expect(api.markedRead).toHaveLength(1);
  });

  it('when the app is in the background, or another conversation is open, then nothing is marked', async () => {
    const hidden = openOnBia();
    hidden.device.visible = false;
    const elsewhere = openOnBia();
    elsewhere.state.update({ openPeer: 'cris' });

    await new ReadReceipts(hidden.context).markRead('bia');
    await new ReadReceipts(elsewhere.context).markRead('bia');

    expect(hidden.api.markedRead).toEqual([]);
    expect(hidden.state.get().conversations[0]?.unread).toBe(2);
    expect(elsewhere.api.markedRead).toEqual([]);
  });

  it('when the request fails, then the failure goes to the session, and the thread shown unread again is reported again', async () => {
    const { context, state, api, failures } = openOnBia();
    const receipts = new ReadReceipts(context);
    const offline = refusals.network();
    api.onMarkRead = () => offline;

    await receipts.markRead('bia');
    state.update({ threads: { bia: thread([fromBia('m1', 1), fromBia('m2', 2)]) } });
    api.onMarkRead = () => undefined;
    await receipts.markRead('bia');

    expect(failures).toEqual([offline]);
    expect(api.markedRead.map((r) => r.upTo)).toEqual(['m2', 'm2']);
  });

  it('when the chats started over, then the same message is reported again', async () => {
    const { context, state, api } = openOnBia();
    const receipts = new ReadReceipts(context);
    await receipts.markRead('bia');

    receipts.forget();
    state.update({ threads: { bia: thread([fromBia('m1', 1), fromBia('m2', 2)]) } });
    await receipts.markRead('bia');

    expect(api.markedRead.map((r) => r.upTo)).toEqual(['m2', 'm2']);
  });
});
