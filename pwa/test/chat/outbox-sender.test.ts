import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Message, SendRequest } from '../../../api/contract';
import type { ApiError } from '../../src/api/api-error';
import type { OutboxItem } from '../../src/chat/chat-cache';
import { OutboxSender } from '../../src/chat/outbox-sender';
import { MemoryChatCache } from '../support/memory-chat-cache';
import { at, serverMessage } from '../support/messages';
import { ScriptedApi, refusals } from '../support/scripted-api';
import { TestDevice } from '../support/test-device';

function item(clientId: string, from = 'ana', to = 'bia'): OutboxItem {
  return { clientId, from, to, content: `text ${clientId}`, createdAt: at(0) };
}

function stored(request: SendRequest): { message: Message } {
  return {
    message: serverMessage({
      id: `id-${request.clientId}`,
      from: 'ana',
      to: request.to,
      content: request.content,
      clientId: request.clientId,
    }),
  };
}

describe('OutboxSender', () => {
  let api: ScriptedApi;
  let cache: MemoryChatCache;
  let heard: string[];
  let sender: OutboxSender;

  beforeEach(() => {
    api = new ScriptedApi();
    cache = new MemoryChatCache();
    heard = [];
    sender = new OutboxSender(
      { me: 'ana', api, cache, device: new TestDevice() },
      {
        onSent: (sent, message) => heard.push(`sent ${sent.clientId} as ${message.id}`),
        onRejected: (rejected, error: ApiError) => heard.push(`rejected ${rejected.clientId}: ${error.code}`),
        onOffline: () => heard.push('offline'),
        onUnauthorized: () => heard.push('unauthorized'),
      },
    );
  });

  afterEach(() => {
    sender.stop();
    vi.useRealTimers();
  });

  it('when several messages wait, then they go out one at a time, oldest first, each leaving the outbox only once answered', async () => {
    for (const clientId of ['c1', 'c2', 'c3']) await cache.addToOutbox(item(clientId));
    await cache.addToOutbox(item('other', 'bia', 'ana'));
    const stillQueued: string[][] = [];
    api.onSend = async (request) => {
      stillQueued.push((await cache.outbox('ana')).map((queued) => queued.clientId));
      return stored(request);
    };

    await sender.flush();

    expect(api.sent).toEqual([
      { to: 'bia', content: 'text c1', clientId: 'c1' },
      { to: 'bia', content: 'text c2', clientId: 'c2' },
      { to: 'bia', content: 'text c3', clientId: 'c3' },
    ]);
    expect(stillQueued).toEqual([['c1', 'c2', 'c3'], ['c2', 'c3'], ['c3']]);
    expect(heard).toEqual(['sent c1 as id-c1', 'sent c2 as id-c2', 'sent c3 as id-c3']);
    expect(await cache.outbox('ana')).toEqual([]);
    expect((await cache.outbox('bia')).map((queued) => queued.clientId)).toEqual(['other']);
  });

  it('when the network fails, then the message stays and is tried again with the same clientId, waiting longer each time up to 30 s', async () => {
    vi.useFakeTimers();
    await cache.addToOutbox(item('c1'));
    const tries: number[] = [];
    api.onSend = (request) => {
      tries.push(Date.now());
      return tries.length <= 7 ? refusals.network() : stored(request);
    };

    await sender.flush();
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 8000 + 16000 + 30_000 + 30_000);

    const waits = tries.slice(1).map((time, i) => time - (tries[i] ?? 0));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30_000, 30_000]);
    expect(new Set(api.sent.map((request) => request.clientId))).toEqual(new Set(['c1']));
    expect(heard).toEqual([...Array<string>(7).fill('offline'), 'sent c1 as id-c1']);
    expect(await cache.outbox('ana')).toEqual([]);
  });

  it('when a send went through after a failure, then the next failure waits 1 s again', async () => {
    vi.useFakeTimers();
    await cache.addToOutbox(item('c1'));
    await cache.addToOutbox(item('c2'));
    const tries: Array<{ clientId: string | undefined; time: number }> = [];
    api.onSend = (request) => {
      tries.push({ clientId: request.clientId, time: Date.now() });
      const attempt = tries.filter((t) => t.clientId === request.clientId).length;
      return attempt <= 2 ? refusals.unavailable() : stored(request);
    };

    await sender.flush();
    await vi.advanceTimersByTimeAsync(10_000);

    const start = tries[0]?.time ?? 0;
    expect(tries.map((t) => `${t.clientId} +${t.time - start}`)).toEqual([
      'c1 +0',
      'c1 +1000',
      'c1 +3000',
      'c2 +3000',
      'c2 +4000',
      'c2 +6000',
    ]);
    expect(heard).toEqual(['sent c1 as id-c1', 'sent c2 as id-c2']);
  });

  it('when the server refuses a message for good, then it leaves the outbox as rejected and the next one goes on', async () => {
    await cache.addToOutbox(item('c1', 'ana', 'ghost'));
    await cache.addToOutbox(item('c2'));
    api.onSend = (request) => (request.to === 'ghost' ? refusals.userNotFound() : stored(request));

    await sender.flush();

    expect(heard).toEqual(['rejected c1: user_not_found', 'sent c2 as id-c2']);
    expect(await cache.outbox('ana')).toEqual([]);
  });

  it('when the server no longer knows the login, then the message stays and nothing more is sent', async () => {
    vi.useFakeTimers();
    await cache.addToOutbox(item('c1'));
    await cache.addToOutbox(item('c2'));
    api.onSend = () => refusals.unauthorized();

    await sender.flush();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(api.sent.map((request) => request.clientId)).toEqual(['c1']);
    expect(heard).toEqual(['unauthorized']);
    expect((await cache.outbox('ana')).map((queued) => queued.clientId)).toEqual(['c1', 'c2']);
  });

  it('when flush is called while a send is on its way, then what was added meanwhile goes out after it, never alongside', async () => {
    await cache.addToOutbox(item('c1'));
    let inFlight = 0;
    let mostInFlight = 0;
    let release: () => void = () => undefined;
    api.onSend = async (request) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      if (request.clientId === 'c1') await new Promise<void>((resolve) => (release = resolve));
      inFlight--;
      return stored(request);
    };

    const first = sender.flush();
    await vi.waitFor(() => expect(api.sent).toHaveLength(1));
    await cache.addToOutbox(item('c2'));
    const second = sender.flush();
    release();
    await Promise.all([first, second]);

    expect(api.sent.map((request) => request.clientId)).toEqual(['c1', 'c2']);
    expect(mostInFlight).toBe(1);
  });

  it('when flush is called just after a drain found the outbox empty, then it drains again rather than leave the message waiting', async () => {
    const device = new TestDevice();
    let gate: () => void = () => undefined;
    const drained = new Promise<void>((resolve) => (gate = resolve));
    let drains = 0;
    // The first drain, once done, holds the lock a moment: the window in which a second flush may come.
    device.exclusive = async (_name, task) => {
      await task();
      if (++drains === 1) await drained;
    };
    const sending = new OutboxSender(
      { me: 'ana', api, cache, device },
      { onSent: () => undefined, onRejected: () => undefined, onOffline: () => undefined, onUnauthorized: () => undefined },
    );
    api.onSend = (request) => stored(request);

    const first = sending.flush();
    await vi.waitFor(() => expect(drains).toBe(1));
    await cache.addToOutbox(item('late'));
    await sending.flush();
    gate();
    await first;

    expect(api.sent.map((request) => request.clientId)).toEqual(['late']);
    expect(drains).toBe(2);
  });

  it('when the sender is stopped, then a retry it had planned does not happen', async () => {
    vi.useFakeTimers();
    await cache.addToOutbox(item('c1'));
    api.onSend = () => refusals.network();

    await sender.flush();
    sender.stop();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(api.sent).toHaveLength(1);
  });

  it('when a message carries files, then each is uploaded once, with progress, and a failed send is retried with the ids kept in the outbox', async () => {
    vi.useFakeTimers();
    const bytes = (n: number) => new Blob([new Uint8Array(n)]);
    await cache.addToOutbox({
      ...item('c1'),
      files: [
        { blob: bytes(300), name: 'a.jpg', type: 'image/jpeg', size: 300 },
        { blob: bytes(100), name: 'b.pdf', type: 'application/pdf', size: 100 },
      ],
    });
    const progress: number[] = [];
    sender = new OutboxSender(
      { me: 'ana', api, cache, device: new TestDevice() },
      {
        onSent: (sent, message) => heard.push(`sent ${sent.clientId} as ${message.id}`),
        onProgress: (_item, fraction) => progress.push(fraction),
        onRejected: (rejected, error: ApiError) => heard.push(`rejected ${rejected.clientId}: ${error.code}`),
        onOffline: () => heard.push('offline'),
        onUnauthorized: () => heard.push('unauthorized'),
      },
    );
    api.onUpload = (name, report) => {
      report(0.5);
      report(1);
      return { attachment: { id: `att-${name}`, name, type: 'x', size: 1, thumbnail: false } };
    };
    let sends = 0;
    api.onSend = (request) => (++sends === 1 ? refusals.network() : stored(request));

    await sender.flush();
    expect(progress).toEqual([0.375, 0.75, 0.875, 1]);
    expect((await cache.outbox('ana'))[0]?.files?.map((f) => f.attachment?.id)).toEqual(['att-a.jpg', 'att-b.pdf']);
    await vi.advanceTimersByTimeAsync(1000);

    expect(api.requests.filter((r) => r.startsWith('upload'))).toEqual(['upload a.jpg', 'upload b.pdf']);
    expect(api.sent.map((r) => r.attachments)).toEqual([
      ['att-a.jpg', 'att-b.pdf'],
      ['att-a.jpg', 'att-b.pdf'],
    ]);
    expect(heard).toEqual(['offline', 'sent c1 as id-c1']);
  });
});
