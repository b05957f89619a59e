import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamEvent } from '../../../api/contract';
import { StreamPoller } from '../../src/chat/stream-poller';
import { serverMessage } from '../support/messages';
import { ScriptedApi, refusals } from '../support/scripted-api';
import { TestDevice } from '../support/test-device';

const oneMessage: StreamEvent[] = [{ type: 'message', message: serverMessage({ id: 'm1', from: 'bia', to: 'ana' }) }];

describe('StreamPoller', () => {
  let api: ScriptedApi;
  let device: TestDevice;
  let log: string[];
  let poller: StreamPoller;

  beforeEach(() => {
    vi.useFakeTimers();
    api = new ScriptedApi();
    device = new TestDevice();
    log = [];
    poller = new StreamPoller(
      { api, device },
      {
        loadCursor: async () => 'saved',
        saveCursor: async (cursor) => void log.push(`save ${cursor}`),
        onEvents: async (events) => {
          await Promise.resolve();
          log.push(`applied ${events.length}`);
        },
        onConnection: (status) => log.push(status),
        onUnauthorized: () => log.push('unauthorized'),
        onCursorExpired: async () => void log.push('start over'),
      },
    );
  });

  afterEach(() => {
    poller.stop();
    vi.useRealTimers();
  });

  it('when paused while a poll is held, then the poll is aborted and the loop has ended; a start after it runs one loop (issue #17)', async () => {
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.polls).toEqual(['saved']);

    await poller.pause();
    poller.start();
    await vi.advanceTimersByTimeAsync(0);

    expect(api.polls).toEqual(['saved', 'saved']);
    api.answerPoll({ cursor: 'next', events: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.polls).toEqual(['saved', 'saved', 'next']);
  });

  it('when a poll brings events, then they are applied before the cursor is saved, and the next poll carries it', async () => {
    poller.start();
    await vi.advanceTimersByTimeAsync(0);

    api.answerPoll({ cursor: 'next', events: oneMessage });
    await vi.advanceTimersByTimeAsync(0);

    expect(log).toEqual(['online', 'applied 1', 'save next']);
    expect(api.polls).toEqual(['saved', 'next']);
  });

  it('when the loop starts, fails or is kicked, then its next poll answers at once, and the ones after it are held (issue #19)', async () => {
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    api.answerPoll({ cursor: 'saved', events: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['online']);
    expect(api.pollWaits).toEqual([0, 25]);

    poller.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(api.pollWaits).toEqual([0, 25, 0]);
    api.answerPoll({ cursor: 'saved', events: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.pollWaits).toEqual([0, 25, 0, 25]);
  });

  it('when a poll ends with nothing new, then nothing is applied or saved', async () => {
    poller.start();
    await vi.advanceTimersByTimeAsync(0);

    api.answerPoll({ cursor: 'saved', events: [] });
    await vi.advanceTimersByTimeAsync(0);

    expect(log).toEqual(['online']);
    expect(api.polls).toEqual(['saved', 'saved']);
  });

  it('when the server no longer has the cursor (410) or cannot read it (400), then the chats start over and the stream from the start', async () => {
    poller.start();
    await vi.advanceTimersByTimeAsync(0);

    api.answerPoll(refusals.cursorExpired());
    await vi.advanceTimersByTimeAsync(0);
    api.answerPoll({ cursor: 'fresh', events: [] });
    await vi.advanceTimersByTimeAsync(0);
    api.answerPoll(refusals.invalidCursor());
    await vi.advanceTimersByTimeAsync(0);

    expect(log).toEqual(['start over', 'online', 'save fresh', 'start over']);
    expect(api.polls).toEqual(['saved', null, 'fresh', null]);
  });

  it('when the network fails, then the app hears it is offline and the poll is tried again after 1 s, 2 s, 4 s', async () => {
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    const times: number[] = [];

    for (let failure = 0; failure < 3; failure++) {
      api.answerPoll(refusals.network());
      await vi.advanceTimersByTimeAsync(0);
      const before = api.polls.length;
      const start = Date.now();
      while (api.polls.length === before) await vi.advanceTimersByTimeAsync(100);
      times.push(Date.now() - start);
    }

    expect(times).toEqual([1000, 2000, 4000]);
    expect(log).toEqual(['offline', 'offline', 'offline']);
  });

  it('when the server no longer knows the login (401), then the loop stops for good', async () => {
    poller.start();
    await vi.advanceTimersByTimeAsync(0);

    api.answerPoll(refusals.unauthorized());
    await vi.advanceTimersByTimeAsync(120_000);

    expect(log).toEqual(['unauthorized']);
    expect(api.polls).toHaveLength(1);
  });

  it('when the device is offline, then no request is made until the network may be back', async () => {
    device.online = false;
    poller.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.polls).toEqual([]);
    expect(log).toEqual(['offline']);

    device.online = true;
    poller.kick();
    await vi.advanceTimersByTimeAsync(0);

    expect(api.polls).toEqual(['saved']);
  });

  it('when a held poll outlives its deadline (a phone that slept), then it is dropped and a fresh one made', async () => {
    poller.start();
    await vi.advanceTimersByTimeAsync(0);

    await vi.advanceTimersByTimeAsync(39_000);
    expect(api.polls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(api.polls).toHaveLength(2);
  });
});
