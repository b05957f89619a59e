import type { Conversation } from '../../../api/contract';
import { type ChatState, type Thread, insertByTime, sortConversations } from './chat-state';
import type { CachedConversation } from './chat-cache';
import {
  type LocalMessage,
  type LocalStatus,
  fromServer,
  isNewerStatus,
  mergeMessage,
  messageKey,
  peerOf,
  sameMessage,
} from './local-message';

/**
 * The chat state's transitions, as pure functions: what changes when messages, receipts or pages arrive.
 * ChatSession decides when they happen and what follows (cache writes, read receipts, notifications).
 */

export interface MessagesApplied {
  threads: Record<string, Thread>;
  conversations: CachedConversation[];
  /** The messages as now known, to write to the cache. */
  stored: LocalMessage[];
  /** Cache keys that a message no longer has (its identity moved from the outbox copy to the server's). */
  replacedKeys: string[];
  /** Messages from others seen for the first time on the stream: to announce and notify. */
  arrivals: LocalMessage[];
  /** Peers whose conversation changed. */
  touched: Set<string>;
}

/**
 * Adds or updates messages in their thread (when loaded) and their conversation row. `live`: they came from the
 * stream, so new ones from others count as unread unless that conversation is on screen.
 */
export function applyMessages(
  state: ChatState,
  incoming: LocalMessage[],
  options: { live: boolean; isReading: (peer: string) => boolean },
): MessagesApplied {
  const { me } = state;
  const threads = { ...state.threads };
  const rows = [...state.conversations];
  const result: MessagesApplied = { threads, conversations: rows, stored: [], replacedKeys: [], arrivals: [], touched: new Set() };
  for (let message of incoming) {
    const peer = peerOf(message, me);
    result.touched.add(peer);
    let isNew = true;
    const thread = threads[peer];
    if (thread) {
      const index = thread.messages.findIndex((m) => sameMessage(m, message));
      const known = thread.messages[index];
      if (known) {
        isNew = false;
        message = mergeMessage(known, message);
        if (messageKey(known) !== messageKey(message)) result.replacedKeys.push(messageKey(known));
        const merged = message;
        threads[peer] = { ...thread, messages: thread.messages.map((m, i) => (i === index ? merged : m)) };
      } else {
        threads[peer] = { ...thread, messages: insertByTime(thread.messages, message) };
      }
    }
    const rowIndex = rows.findIndex((r) => r.with === peer);
    const row = rows[rowIndex];
    if (row && sameMessage(row.last, message)) {
      isNew = false;
      rows[rowIndex] = { ...row, last: mergeMessage(row.last, message) };
    } else if (!row || row.last.sentAt <= message.sentAt) {
      const unseen = options.live && isNew && message.from !== me && !options.isReading(peer);
      const next: CachedConversation = { ...row, with: peer, last: message, unread: (row?.unread ?? 0) + (unseen ? 1 : 0) };
      if (row) rows[rowIndex] = next;
      else rows.push(next);
    }
    if (options.live && isNew && message.from !== me) result.arrivals.push(message);
    result.stored.push(message);
  }
  result.conversations = sortConversations(rows);
  return result;
}

/** A receipt for one of my messages; `updated` is empty when that message is not loaded anywhere. */
export function applyReceipt(
  state: ChatState,
  id: string,
  status: LocalStatus,
): { threads: Record<string, Thread>; conversations: CachedConversation[]; updated: LocalMessage[] } {
  const updated: LocalMessage[] = [];
  const advance = (m: LocalMessage): LocalMessage => {
    if (m.id !== id || !isNewerStatus(m.status, status)) return m;
    const next = { ...m, status };
    updated.push(next);
    return next;
  };
  const threads: Record<string, Thread> = {};
  for (const [peer, thread] of Object.entries(state.threads)) {
    const messages = thread.messages.map(advance);
    threads[peer] = messages.some((m, i) => m !== thread.messages[i]) ? { ...thread, messages } : thread;
  }
  const conversations = state.conversations.map((row) => {
    const last = advance(row.last);
    return last === row.last ? row : { ...row, last };
  });
  return { threads, conversations, updated };
}

/**
 * A thread's messages once the newest page arrived: the page replaces the cached copy (so a stale cache cannot
 * leave a gap), keeping what the page cannot know: messages still in the outbox or refused, and those that
 * arrived live while the page was on its way.
 */
export function withNewestPage(thread: Thread, page: LocalMessage[]): LocalMessage[] {
  let messages = page.map((incoming) => {
    const known = thread.messages.find((k) => sameMessage(k, incoming));
    return known ? mergeMessage(known, incoming) : incoming;
  });
  const newest = messages.at(-1)?.sentAt;
  const keep = thread.messages.filter(
    (m) =>
      (m.status === 'pending' || m.status === 'failed' || newest === undefined || m.sentAt > newest) &&
      !messages.some((x) => sameMessage(x, m)),
  );
  for (const message of keep) messages = insertByTime(messages, message);
  return messages;
}

/** The server's conversation list, except where this device knows better: messages it has not sent yet. */
export function withServerConversations(local: CachedConversation[], server: Conversation[]): CachedConversation[] {
  const unsent = (row: CachedConversation | undefined) => row && (row.last.status === 'pending' || row.last.status === 'failed');
  const rows: CachedConversation[] = server.map((c) => {
    const last = fromServer(c.last);
    const mine = local.find((l) => l.with === c.with);
    const row = { with: c.with, last: mine && unsent(mine) && mine.last.sentAt > last.sentAt ? mine.last : last, unread: c.unread };
    return c.deleted ? { ...row, deleted: true as const } : row;
  });
  for (const row of local) if (!rows.some((r) => r.with === row.with) && unsent(row)) rows.push(row);
  return sortConversations(rows);
}
