import { afterEach, describe, expect, it } from 'vitest';
import { EarlyReceipts } from '../../src/chat/early-receipts';
import { OutgoingMessages, type OutgoingHooks } from '../../src/chat/outgoing-messages';
import { ReadReceipts } from '../../src/chat/read-receipts';
import { ShownMessages } from '../../src/chat/shown-messages';
import { testChat } from '../support/chat-context';
import { serverMessage, thread } from '../support/messages';
import { refusals } from '../support/scripted-api';

const running: OutgoingMessages[] = [];

function outgoingIn(chat: ReturnType<typeof testChat>) {
  const heard: string[] = [];
  const hooks: OutgoingHooks = {
    onServerReached: () => heard.push('server reached'),
    onOffline: () => heard.push('offline'),
    onUnauthorized: () => heard.push('unauthorized'),
  };
  const outgoing = new OutgoingMessages(
    chat.context,
    new ShownMessages(chat.context, new EarlyReceipts(), new ReadReceipts(chat.context)),
    hooks,
  );
  running.push(outgoing);
  return { outgoing, heard };
}

describe('OutgoingMessages', () => {
  afterEach(() => {
    for (const outgoing of running.splice(0)) outgoing.stop();
  });

  it('when a message is written, then it is in the outbox and shown pending before the server answers, then shown sent', async () => {
    const chat = testChat({ openPeer: 'bia', threads: { bia: thread([]) } });
    const { outgoing, heard } = outgoingIn(chat);
    let answer: () => void = () => undefined;
    chat.api.onSend = (request) =>
      new Promise(
        (resolve) =>
          (answer = () =>
            resolve({
              message: serverMessage({ id: 'm1', from: 'ana', to: 'bia', content: request.content, clientId: request.clientId }),
            })),
      );

    await outgoing.send('bia', 'olá');

    const [queued] = await chat.cache.outbox('ana');
    expect(queued).toMatchObject({ from: 'ana', to: 'bia', content: 'olá' });
    expect(chat.state.get().threads.bia?.messages).toEqual([
      { clientId: queued?.clientId, from: 'ana', to: 'bia', content: 'olá', sentAt: queued?.createdAt, status: 'pending' },
    ]);
    expect(chat.device.permissionAsked).toBe(1);
    await expect.poll(() => chat.api.sent).toEqual([{ to: 'bia', content: 'olá', clientId: queued?.clientId }]);

    answer();

    await expect
      .poll(() => chat.state.get().threads.bia?.messages.map((m) => [m.id, m.clientId, m.status]))
      .toEqual([['m1', queued?.clientId, 'sent']]);
    expect(await chat.cache.outbox('ana')).toEqual([]);
    expect(heard).toEqual(['server reached']);
    expect((await chat.cache.recentMessages('bia', 10)).map((m) => m.id)).toEqual(['m1']);
  });

  it('when the server refuses the message for good, then its bubble says why', async () => {
    const chat = testChat({ openPeer: 'ghost', threads: { ghost: thread([]), bia: thread([]) } });
    const { outgoing } = outgoingIn(chat);
    chat.api.onSend = (request) => (request.to === 'ghost' ? refusals.userNotFound() : refusals.invalid('content is too long'));

    await outgoing.send('ghost', 'boo');
    await outgoing.send('bia', 'x'.repeat(10));

    await expect.poll(() => chat.state.get().threads.ghost?.messages[0]?.failure).toBe('Not sent: this user does not exist.');
    await expect.poll(() => chat.state.get().threads.bia?.messages[0]?.failure).toBe('Not sent: content is too long');
    expect(chat.state.get().threads.bia?.messages[0]?.status).toBe('failed');
    expect(await chat.cache.outbox('ana')).toEqual([]);
  });

  it('when the network is gone, then the message waits pending and the session hears it is offline', async () => {
    const chat = testChat();
    const { outgoing, heard } = outgoingIn(chat);
    chat.api.onSend = () => refusals.network();

    await outgoing.send('bia', 'later');

    await expect.poll(() => heard).toContain('offline');
    expect(chat.state.get().conversations[0]?.last.status).toBe('pending');
    expect(await chat.cache.outbox('ana')).toHaveLength(1);
  });
});
