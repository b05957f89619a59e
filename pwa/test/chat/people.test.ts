import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { People } from '../../src/chat/people';
import { testChat } from '../support/chat-context';

describe('People', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when bia is typing, then it shows for the seconds the signal gave, and a new signal extends it', () => {
    const chat = testChat();
    const people = new People(chat.context);

    people.typingFrom('bia', 5);
    vi.advanceTimersByTime(4_000);
    expect(Object.keys(chat.state.get().typing)).toEqual(['bia']);
    people.typingFrom('bia', 5);
    vi.advanceTimersByTime(4_000);
    expect(Object.keys(chat.state.get().typing)).toEqual(['bia']);
    vi.advanceTimersByTime(1_001);
    expect(chat.state.get().typing).toEqual({});
  });

  it('when ana types many keys, then one typing signal goes out per 2.5 s, none offline, and a send resets it', () => {
    let now = 0;
    const chat = testChat();
    const people = new People(chat.context, () => now);

    for (; now < 2_000; now += 100) people.typingTo('bia');
    expect(chat.api.typed).toEqual(['bia']);
    now = 2_600;
    people.typingTo('bia');
    expect(chat.api.typed).toEqual(['bia', 'bia']);
    people.sent('bia');
    people.typingTo('bia');
    expect(chat.api.typed).toEqual(['bia', 'bia', 'bia']);
    chat.state.update({ connection: 'offline' });
    now = 10_000;
    people.typingTo('bia');
    expect(chat.api.typed).toHaveLength(3);
  });

  it('when the server describes people, then their display names are known; offline changes nothing', async () => {
    const chat = testChat();
    const people = new People(chat.context);
    chat.api.onUsers = () => ({
      users: [{ username: 'bia', displayName: 'Bia Lima', presence: { online: true, lastSeenAt: null }, photoUrl: null }],
    });

    await people.refresh(['bia', 'bia']);
    expect(chat.api.requests).toEqual(['users bia']);
    expect(people.shownName('bia')).toBe('Bia Lima');
    expect(people.shownName('caio')).toBe('caio');
  });
});
