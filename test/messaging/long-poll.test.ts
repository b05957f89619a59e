import { afterEach, describe, expect, it } from 'vitest';
import { LongPollHub } from '../../api/messaging/long-poll.js';

const LIMITS = { perUser: 2, total: 3 };
const hubs: LongPollHub[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.shutdown();
});

function hub(limits = LIMITS): LongPollHub {
  const h = new LongPollHub(limits);
  hubs.push(h);
  return h;
}

describe('LongPollHub', () => {
  it('when a wake comes between the stream read and the wait, then next() answers woken at once', async () => {
    const h = hub();
    const waiter = h.hold('bruno', 's1', 10_000);
    // The poll read its stream (nothing), and before it waits the send lands and wakes it.
    h.wake(['bruno']);
    expect(await waiter.next()).toBe('woken');
  });

  it('when another user is woken, then the held poll keeps waiting until its timeout', async () => {
    const h = hub();
    const waiter = h.hold('bruno', 's1', 30);
    h.wake(['alice']);
    expect(await waiter.next()).toBe('timeout');
    expect(h.held).toBe(0);
  });

  it('when a user holds one poll more than allowed, then the oldest is answered, evicted', async () => {
    const h = hub();
    const first = h.hold('bruno', 's1', 10_000);
    h.hold('bruno', 's2', 10_000);
    h.hold('bruno', 's3', 10_000);
    expect(await first.next()).toBe('evicted');
    expect(h.held).toBe(2);
  });

  it('when the server holds as many polls as it may, then one more is refused with 503 and Retry-After', () => {
    const h = hub();
    h.hold('alice', 's1', 10_000);
    h.hold('bruno', 's2', 10_000);
    h.hold('caio', 's3', 10_000);
    expect(() => h.hold('dora', 's4', 10_000)).toThrow(expect.objectContaining({ code: 'unavailable', status: 503 }));
  });

  it('when a session ends, then its polls answer session-ended, and a poll of it that arrives later is ended at once', async () => {
    const h = hub();
    const held = h.hold('bruno', 'gone', 10_000);
    const other = h.hold('bruno', 'kept', 10_000);
    h.endSessions(['gone']);
    expect(await held.next()).toBe('session-ended');
    expect(held.sessionEnded).toBe(true);
    expect(other.reason).toBeUndefined();
    const late = h.hold('bruno', 'gone', 10_000);
    expect(late.sessionEnded).toBe(true);
    expect(h.held).toBe(1);
  });

  it('when typing reaches a user between two polls, then their next poll gets it', () => {
    const h = hub();
    h.signal('bruno', { type: 'typing', from: 'alice', seconds: 5 });
    const waiter = h.hold('bruno', 's1', 10_000);
    expect(waiter.takeSignals()).toEqual([{ type: 'typing', from: 'alice', seconds: 5 }]);
    expect(waiter.takeSignals()).toEqual([]);
  });

  it('when the hub shuts down, then held polls answer shutdown and new ones are refused', async () => {
    const h = hub();
    const waiter = h.hold('bruno', 's1', 10_000);
    h.shutdown();
    expect(await waiter.next()).toBe('shutdown');
    expect(() => h.hold('bruno', 's1', 10_000)).toThrow(expect.objectContaining({ code: 'unavailable' }));
  });

  it('when a poll was answered a moment ago, then its session counts as live for the grace period', () => {
    const h = hub();
    const waiter = h.hold('bruno', 's1', 10_000);
    expect(h.isLive('bruno', 's1', 5000)).toBe(true);
    waiter.finish('answered');
    expect(h.isHolding('bruno')).toBe(false);
    expect(h.isLive('bruno', 's1', 5000)).toBe(true);
    expect(h.isLive('bruno', 's1', 0)).toBe(false);
  });
});
