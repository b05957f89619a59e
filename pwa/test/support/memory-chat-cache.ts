import type { CachedConversation, ChatCache, MetaKey, OutboxItem } from '../../src/chat/chat-cache';
import { type LocalMessage, messageKey, peerOf } from '../../src/chat/local-message';

interface StoredMessage {
  key: string;
  peer: string;
  message: LocalMessage;
}

/**
 * The chat cache in memory, keeping the IndexedDB cache's rules (device/indexeddb-chat-cache.ts): messages
 * under their key and ordered by peer and time, conversations by peer, the outbox in the order written, and
 * copies in and out as structured cloning makes them. The real IndexedDB is the e2e suite's, in Chromium.
 */
export class MemoryChatCache implements ChatCache {
  readonly meta = new Map<MetaKey, string>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly rows = new Map<string, CachedConversation>();
  private readonly queue: OutboxItem[] = [];
  private nextSeq = 1;

  async getMeta(key: MetaKey): Promise<string | undefined> {
    return this.meta.get(key);
  }

  async setMeta(key: MetaKey, value: string | null): Promise<void> {
    if (value === null) this.meta.delete(key);
    else this.meta.set(key, value);
  }

  async putMessages(me: string, messages: LocalMessage[], replacedKeys: string[] = []): Promise<void> {
    for (const key of replacedKeys) this.messages.delete(key);
    for (const message of messages) {
      const key = messageKey(message);
      this.messages.set(key, { key, peer: peerOf(message, me), message: structuredClone(message) });
    }
  }

  async recentMessages(peer: string, limit: number): Promise<LocalMessage[]> {
    return this.thread(peer)
      .slice(-limit)
      .map((stored) => structuredClone(stored.message));
  }

  async pruneThread(peer: string, keep: number): Promise<void> {
    const thread = this.thread(peer);
    for (const stored of thread.slice(0, Math.max(0, thread.length - keep))) this.messages.delete(stored.key);
  }

  async replaceConversations(conversations: CachedConversation[]): Promise<void> {
    this.rows.clear();
    for (const conversation of conversations) await this.putConversation(conversation);
  }

  async putConversation(conversation: CachedConversation): Promise<void> {
    this.rows.set(conversation.with, structuredClone(conversation));
  }

  async conversations(): Promise<CachedConversation[]> {
    return [...this.rows.values()].sort((a, b) => compare(a.with, b.with)).map((row) => structuredClone(row));
  }

  async addToOutbox(item: OutboxItem): Promise<void> {
    this.queue.push({ ...structuredClone(item), seq: this.nextSeq++ });
  }

  async firstInOutbox(from: string): Promise<OutboxItem | undefined> {
    const first = this.queue.find((item) => item.from === from);
    return first && structuredClone(first);
  }

  async outbox(from: string): Promise<OutboxItem[]> {
    return this.queue.filter((item) => item.from === from).map((item) => structuredClone(item));
  }

  async updateOutbox(item: OutboxItem): Promise<void> {
    const i = this.queue.findIndex((queued) => queued.seq === item.seq);
    if (i >= 0) this.queue[i] = structuredClone(item);
  }

  async removeFromOutbox(item: OutboxItem): Promise<void> {
    const index = this.queue.findIndex((queued) => queued.seq === item.seq);
    if (index >= 0) this.queue.splice(index, 1);
  }

  async clearChats(): Promise<void> {
    this.meta.delete('cursor');
    this.messages.clear();
    this.rows.clear();
  }

  /** What the cache holds for `peer`, oldest first (the byPeerTime index; equal times by key). */
  private thread(peer: string): StoredMessage[] {
    return [...this.messages.values()]
      .filter((stored) => stored.peer === peer)
      .sort((a, b) => compare(a.message.sentAt, b.message.sentAt) || compare(a.key, b.key));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
