import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cursorExpired, StreamCursors } from '../../api/messaging/cursor.js';
import { TokenCipher } from '../../api/messaging/token-cipher.js';

const KEY = randomBytes(16);
const cursors = (epoch = 'epoch1', key = KEY) => new StreamCursors(new TokenCipher(key), epoch);

describe('StreamCursors', () => {
  it('when a cursor made here comes back, then it decodes to its position', () => {
    const c = cursors();
    for (const seq of [0, 1, 41, 2 ** 40]) expect(c.decode(c.encode(seq))).toBe(seq);
  });

  it('when a cursor is malformed or mangled, then 400 invalid_cursor', () => {
    const c = cursors();
    const good = c.encode(7);
    for (const bad of ['', 'nonsense', `${good}x`, `${good.slice(0, -2)}!!`]) {
      expect(() => c.decode(bad)).toThrow(expect.objectContaining({ code: 'invalid_cursor', status: 400 }));
    }
  });

  it('when a cursor is from another data set or another key, then 410 cursor_expired', () => {
    const c = cursors();
    for (const other of [cursors('epoch2'), cursors('epoch1', randomBytes(16))]) {
      expect(() => c.decode(other.encode(7))).toThrow(expect.objectContaining({ code: 'cursor_expired', status: 410 }));
    }
  });

  it('when a plain-number cursor from before tokens comes, then 410 whatever its number', () => {
    const c = cursors();
    for (const old of ['epoch1-5', 'epoch1-999999999']) {
      expect(() => c.decode(old)).toThrow(expect.objectContaining({ code: 'cursor_expired', status: 410 }));
    }
  });

  it('when the domain refuses a position never handed out, then it is the same 410 as any other expired cursor', () => {
    expect(cursorExpired()).toMatchObject({ code: 'cursor_expired', status: 410 });
  });
});
