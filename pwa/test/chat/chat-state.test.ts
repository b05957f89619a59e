import { describe, expect, it } from 'vitest';
import { insertByTime, sortConversations } from '../../src/chat/chat-state';
import { at, localMessage, row } from '../support/messages';

describe('chat state helpers', () => {
  it('when a message is inserted, then it lands in time order, after any message of the same time', () => {
    const first = localMessage({ from: 'ana', to: 'bia', id: 'a', sentAt: at(1) });
    const same = localMessage({ from: 'ana', to: 'bia', id: 'b', sentAt: at(2) });
    const last = localMessage({ from: 'ana', to: 'bia', id: 'c', sentAt: at(3) });
    const inserted = localMessage({ from: 'bia', to: 'ana', id: 'x', sentAt: at(2) });
    expect(insertByTime([first, same, last], inserted).map((m) => m.id)).toEqual(['a', 'b', 'x', 'c']);
    expect(insertByTime([], inserted)).toEqual([inserted]);
    expect(insertByTime([last], first).map((m) => m.id)).toEqual(['a', 'c']);
  });

  it('when conversations are sorted, then the newest last message comes first, without changing the input', () => {
    const rows = [
      row('old', localMessage({ from: 'old', to: 'me', sentAt: at(1) })),
      row('new', localMessage({ from: 'new', to: 'me', sentAt: at(9) })),
      row('mid', localMessage({ from: 'mid', to: 'me', sentAt: at(5) })),
    ];
    expect(sortConversations(rows).map((r) => r.with)).toEqual(['new', 'mid', 'old']);
    expect(rows.map((r) => r.with)).toEqual(['old', 'new', 'mid']);
  });
});
