import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { CachedConversation, ChatCache, MetaKey, OutboxItem } from '../chat/chat-cache';
import { type LocalMessage, messageKey, peerOf } from '../chat/local-message';

/** Raised when what a cache of the previous version holds would mislead this app; `upgrade` says why each. */
const CACHE_VERSION = 2;

interface StoredMessage extends LocalMessage {
  key: string;
  peer: string;
}

interface PapoDb extends DBSchema {
  meta: { key: string; value: string };
  messages: { key: string; value: StoredMessage; indexes: { byPeerTime: [string, string] } };
  conversations: { key: string; value: CachedConversation };
  outbox: { key: number; value: OutboxItem };
}

/**
 * The chat cache in IndexedDB when the browser allows it, nothing when it does not (private modes, storage
 * full). Every call swallows storage errors: a failing cache must never stop the chat, it only makes the next
 * offline start emptier. The outbox is the exception: it lives in memory too when IndexedDB is missing, so a
 * message is never dropped while the page is open.
 */
export class IndexedDbChatCache implements ChatCache {
  private readonly memoryOutbox: OutboxItem[] = [];
  private nextSeq = 1;

  private constructor(private readonly db: IDBPDatabase<PapoDb> | null) {}

  static async open(): Promise<IndexedDbChatCache> {
    try {
      const db = await openDB<PapoDb>('papo', CACHE_VERSION, {
        upgrade(database, oldVersion, _newVersion, tx) {
          if (oldVersion < 1) {
            database.createObjectStore('meta');
            database.createObjectStore('messages', { keyPath: 'key' }).createIndex('byPeerTime', ['peer', 'sentAt']);
            database.createObjectStore('conversations', { keyPath: 'with' });
            database.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
            return;
          }
          if (oldVersion < 2) {
            // Version 1 cached messages under numeric ids; the server's ids are opaque tokens (issue #15, item 7),
            // so each such message would come back under a second id and show twice. The cached chats and the
            // cursor go, and refill from the server; the outbox, what the person wrote and has not sent, stays.
            void tx.objectStore('messages').clear();
            void tx.objectStore('conversations').clear();
            void tx.objectStore('meta').delete('cursor');
          }
        },
      });
      return new IndexedDbChatCache(db);
    } catch (error) {
      console.warn('papo: IndexedDB unavailable, nothing will be kept offline', error);
      return new IndexedDbChatCache(null);
    }
  }

  private async withDb<T>(fallback: T, action: (db: IDBPDatabase<PapoDb>) => Promise<T>): Promise<T> {
    if (!this.db) return fallback;
    try {
      return await action(this.db);
    } catch (error) {
      console.warn('papo: local cache error', error);
      return fallback;
    }
  }

  getMeta(key: MetaKey): Promise<string | undefined> {
    return this.withDb(undefined, (db) => db.get('meta', key));
  }

  async setMeta(key: MetaKey, value: string | null): Promise<void> {
    await this.withDb(undefined, (db) => (value === null ? db.delete('meta', key) : db.put('meta', value, key).then(() => undefined)));
  }

  async putMessages(me: string, messages: LocalMessage[], replacedKeys: string[] = []): Promise<void> {
    await this.withDb(undefined, async (db) => {
      const tx = db.transaction('messages', 'readwrite');
      for (const key of replacedKeys) void tx.store.delete(key);
      for (const message of messages) void tx.store.put({ ...message, key: messageKey(message), peer: peerOf(message, me) });
      await tx.done;
    });
  }

  recentMessages(peer: string, limit: number): Promise<LocalMessage[]> {
    return this.withDb([], async (db) => {
      const range = IDBKeyRange.bound([peer, ''], [peer, '\uffff']);
      const found: LocalMessage[] = [];
      let cursor = await db.transaction('messages').store.index('byPeerTime').openCursor(range, 'prev');
      while (cursor && found.length < limit) {
        const { key: _key, peer: _peer, ...message } = cursor.value;
        found.push(message);
        cursor = await cursor.continue();
      }
      return found.reverse();
    });
  }

  async pruneThread(peer: string, keep: number): Promise<void> {
    await this.withDb(undefined, async (db) => {
      const tx = db.transaction('messages', 'readwrite');
      const range = IDBKeyRange.bound([peer, ''], [peer, '\uffff']);
      let cursor = await tx.store.index('byPeerTime').openCursor(range, 'prev');
      if (cursor) cursor = await cursor.advance(keep).catch(() => null);
      while (cursor) {
        await cursor.delete();
        cursor = await cursor.continue();
      }
      await tx.done;
    });
  }

  async replaceConversations(conversations: CachedConversation[]): Promise<void> {
    await this.withDb(undefined, async (db) => {
      const tx = db.transaction('conversations', 'readwrite');
      void tx.store.clear();
      for (const conversation of conversations) void tx.store.put(conversation);
      await tx.done;
    });
  }

  async putConversation(conversation: CachedConversation): Promise<void> {
    await this.withDb(undefined, (db) => db.put('conversations', conversation).then(() => undefined));
  }

  conversations(): Promise<CachedConversation[]> {
    return this.withDb([], (db) => db.getAll('conversations'));
  }

  async addToOutbox(item: OutboxItem): Promise<void> {
    const stored = await this.withDb(false, (db) => db.add('outbox', item).then(() => true));
    if (!stored) this.memoryOutbox.push({ ...item, seq: this.nextSeq++ });
  }

  async firstInOutbox(from: string): Promise<OutboxItem | undefined> {
    const inMemory = this.memoryOutbox.find((item) => item.from === from);
    if (inMemory) return inMemory;
    return this.withDb(undefined, async (db) => {
      let cursor = await db.transaction('outbox').store.openCursor();
      while (cursor && cursor.value.from !== from) cursor = await cursor.continue();
      return cursor?.value;
    });
  }

  outbox(from: string): Promise<OutboxItem[]> {
    return this.withDb([], (db) => db.getAll('outbox')).then((stored) =>
      [...stored, ...this.memoryOutbox].filter((item) => item.from === from),
    );
  }

  async removeFromOutbox(item: OutboxItem): Promise<void> {
    const index = this.memoryOutbox.indexOf(item);
    if (index >= 0) {
      this.memoryOutbox.splice(index, 1);
      return;
    }
    const seq = item.seq;
    if (seq !== undefined) await this.withDb(undefined, (db) => db.delete('outbox', seq));
  }

  async updateOutbox(item: OutboxItem): Promise<void> {
    if (this.memoryOutbox.includes(item)) return;
    if (item.seq !== undefined) await this.withDb(undefined, (db) => db.put('outbox', item).then(() => undefined));
  }

  async clearChats(): Promise<void> {
    await this.withDb(undefined, async (db) => {
      const tx = db.transaction(['meta', 'messages', 'conversations'], 'readwrite');
      void tx.objectStore('meta').delete('cursor');
      void tx.objectStore('messages').clear();
      void tx.objectStore('conversations').clear();
      await tx.done;
    });
  }
}
