import type { Message } from '../../../api/contract';
import { type ChatState, type Thread, emptyThread } from '../../src/chat/chat-state';
import type { LocalMessage } from '../../src/chat/local-message';
import type { CachedConversation } from '../../src/chat/chat-cache';

/** A minute of a fixed day, as the server stamps it: `at(5)` is 10:05 UTC. */
export function at(minute: number): string {
  return new Date(Date.UTC(2025, 0, 15, 10, minute)).toISOString();
}

/** A message the server stored, as the stream, history or a send answer carries it. */
export function serverMessage(fields: Partial<Message> & Pick<Message, 'id' | 'from' | 'to'>): Message {
  return { content: `text of ${fields.id}`, sentAt: at(0), status: 'sent', ...fields };
}

/** A message as the device knows it; give it an `id` (stored) or a `clientId` (still in the outbox), or both. */
export function localMessage(fields: Partial<LocalMessage> & Pick<LocalMessage, 'from' | 'to'>): LocalMessage {
  return { content: 'hello', sentAt: at(0), status: 'sent', ...fields };
}

export function thread(messages: LocalMessage[], fields: Partial<Thread> = {}): Thread {
  return { ...emptyThread(messages), ...fields };
}

export function row(peer: string, last: LocalMessage, unread = 0): CachedConversation {
  return { with: peer, last, unread };
}

export function chatState(fields: Partial<ChatState> & Pick<ChatState, 'me'>): ChatState {
  return {
    connection: 'online',
    conversations: [],
    threads: {},
    openPeer: null,
    announcement: { text: '', seq: 0 },
    typing: {},
    people: {},
    ...fields,
  };
}
