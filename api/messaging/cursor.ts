import { AppError } from '../errors.js';
import type { Seq } from '../store/store.js';
import type { TokenCipher } from './token-cipher.js';
import { must } from '../assert.js';

/** `<epoch>.<key id>-<token>`; and, to be told apart, the plain-number cursors handed out before tokens. */
const CURSOR = /^([0-9a-z]{1,32}(?:\.[0-9a-f]{8})?)-([A-Za-z0-9_-]{22}|[0-9]{1,16})$/;

/** A cursor this server cannot answer for: another data set's, another key's, or one never handed out (410). */
export const cursorExpired = (): AppError =>
  new AppError('cursor_expired', "this cursor is not from this server's current data; reload the history and poll without a cursor");

/**
 * Stream cursors, opaque to clients: `<epoch>.<key id>-<token>`, the token holding the position
 * (token-cipher.ts). The prefix names the data set and the key: a cursor kept by a phone from before a reset,
 * a restore from backup or a new key is recognised (410: reload history) instead of silently skipping or
 * repeating messages.
 *
 * A cursor made before cursors were tokens, `<epoch>-<number>`, is always a 410 (issue #15, item 7): its
 * number is a position in the sequence of the whole server, and comparing it with the highest one (the old
 * rule) would answer "how many messages has this server seen?" to anyone who asks. The client reloads and
 * polls without a cursor: it loses nothing, and the cursor acknowledged nothing.
 */
export class StreamCursors {
  private readonly prefix: string;

  constructor(
    private readonly cipher: TokenCipher,
    epoch: string,
  ) {
    this.prefix = `${epoch}.${cipher.keyId}`;
  }

  encode(seq: Seq): string {
    return `${this.prefix}-${this.cipher.encode('stream', seq)}`;
  }

  /**
   * The position in a cursor from a client. Whether the position was ever handed out only the store can say
   * (on PostgreSQL another process may have handed it out a moment ago): its acknowledgement answers that.
   */
  decode(text: string): Seq {
    const m = CURSOR.exec(text);
    if (!m) throw new AppError('invalid_cursor', '"after" must be a cursor returned by a previous poll');
    if (m[1] !== this.prefix) throw cursorExpired();
    const seq = this.cipher.decode('stream', must(m[2], 'the token of a matched cursor'));
    if (seq === undefined) throw new AppError('invalid_cursor', '"after" must be a cursor returned by a previous poll');
    return seq;
  }
}
