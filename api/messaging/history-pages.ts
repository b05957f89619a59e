import type { Message } from '../contract.js';
import { AppError } from '../errors.js';
import type { Seq, StoredMessage } from '../store/store.js';
import type { MessageIds } from './message-ids.js';

/**
 * Where a page of history or search starts, as the store takes it: the peer, and the page before's cursor
 * turned back into a sequence number (`refused` is the error's message when it is not one of ours).
 */
export function pageStart(
  ids: MessageIds,
  peer: string | undefined,
  before: string | undefined,
  refused: string,
): { with?: string; before?: Seq } {
  const seq = before === undefined ? undefined : ids.pageSeqOf(before);
  if (before !== undefined && seq === undefined) throw new AppError('invalid_cursor', refused);
  return { ...(peer === undefined ? {} : { with: peer }), ...(seq === undefined ? {} : { before: seq }) };
}

/** A store's page as clients see it: message ids, and the cursor of the next older page. */
export function pageAnswer(
  ids: MessageIds,
  page: { messages: StoredMessage[]; before: Seq | null },
): { messages: Message[]; before: string | null } {
  return { messages: ids.messages(page.messages), before: page.before === null ? null : ids.pageCursor(page.before) };
}
