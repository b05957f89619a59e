import { AppError } from '../errors.js';
import type { Seq } from '../store/store.js';

/**
 * Stream cursors: `<epoch>-<seq>`, opaque to clients. The epoch names the data set, so a cursor kept by a
 * phone from before a reset or a restore from backup is recognised (410: reload history) instead of
 * silently skipping or repeating messages.
 */
export function encodeCursor(epoch: string, seq: Seq): string {
  return `${epoch}-${seq}`;
}

const CURSOR = /^([0-9a-z]{1,32})-(0|[1-9][0-9]{0,15})$/;

/** The position in a cursor from a client; `committed` is the highest position ever handed out. */
export function decodeCursor(text: string, epoch: string, committed: Seq): Seq {
  const m = CURSOR.exec(text);
  if (!m) throw new AppError('invalid_cursor', '"after" must be a cursor returned by a previous poll');
  const seq = Number(m[2]);
  if (m[1] !== epoch || seq > committed) {
    throw new AppError(
      'cursor_expired',
      "this cursor is not from this server's current data; reload the history and poll without a cursor",
    );
  }
  return seq;
}
