import type { UserProfile } from '../../../api/contract';
import type { ObservableState } from '../lib/observable-state';
import type { CachedConversation } from './chat-cache';
import type { LocalMessage } from './local-message';

export interface Thread {
  /** Oldest first. */
  messages: LocalMessage[];
  /** Cursor of the next older page; null when the beginning is loaded; undefined before the server answered. */
  before: string | null | undefined;
  loadingOlder: boolean;
  /** The peer has no account (the server said user_not_found). */
  missing: boolean;
}

export type ConnectionStatus = 'online' | 'offline' | 'connecting';

export interface ChatState {
  me: string;
  connection: ConnectionStatus;
  /** Newest first. */
  conversations: CachedConversation[];
  threads: Readonly<Record<string, Thread>>;
  openPeer: string | null;
  /** For the screen-reader live region: the newest message that arrived live (`seq` tells repeats apart). */
  announcement: { text: string; seq: number };
  /** Who is typing to me, and until when (ms, this device's clock): issue #19, item 10. */
  typing: Readonly<Record<string, number>>;
  /** Display names and presence of the people in my chats, as the server last said. */
  people: Readonly<Record<string, UserProfile>>;
  /** The message to scroll to and flash (a tapped quote or search result, issue #18); `seq` tells repeats apart. */
  focus?: { id: string; seq: number };
}

export function setThread(state: ObservableState<ChatState>, peer: string, thread: Thread): void {
  state.update((current) => ({ threads: { ...current.threads, [peer]: thread } }));
}

export function emptyThread(messages: LocalMessage[] = []): Thread {
  return { messages, before: undefined, loadingOlder: false, missing: false };
}

/** Inserts keeping `sentAt` order; equal times keep arrival order. */
export function insertByTime(messages: LocalMessage[], message: LocalMessage): LocalMessage[] {
  const index = messages.findLastIndex((m) => m.sentAt <= message.sentAt) + 1;
  return [...messages.slice(0, index), message, ...messages.slice(index)];
}

export function sortConversations(conversations: CachedConversation[]): CachedConversation[] {
  return [...conversations].sort((a, b) => (a.last.sentAt < b.last.sentAt ? 1 : a.last.sentAt > b.last.sentAt ? -1 : 0));
}
