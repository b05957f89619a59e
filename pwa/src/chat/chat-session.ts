import type { StreamEvent } from '../../../api/contract';
import { ApiError } from '../api/api-error';
import { api } from '../api/client';
import { type ChatState, type Connection, type Thread, emptyThread, insertByTime, sortConversations } from './chat-state';
import { applyMessages, applyStatus, withNewestPage, withServerConversations } from './chat-updates';
import { newClientId } from '../lib/client-id';
import { t } from '../lib/i18n';
import { browserDevice } from '../device/browser-device';
import type { ChatCache, OutboxItem } from './chat-cache';
import { type LocalMessage, type LocalStatus, fromServer, isNewerStatus, sameMessage } from './local-message';
import { askNotificationPermissionOnce, notifyMessage, setAppBadge } from '../device/notifications';
import { OutboxSender } from './outbox-sender';
import { ObservableState } from '../lib/observable-state';
import { StreamPoller } from './stream-poller';

const PAGE_SIZE = 50;
/** Messages per conversation shown from the cache before the server answers (or when it cannot). */
const CACHED_PER_THREAD = 60;
/** Messages per conversation the cache keeps; older ones are a history request away. */
const CACHED_KEPT_PER_THREAD = 200;

function pendingFromOutbox(item: OutboxItem): LocalMessage {
  return { clientId: item.clientId, from: item.from, to: item.to, content: item.content, sentAt: item.createdAt, status: 'pending' };
}

/**
 * One signed-in user's chats on this device: the state the screens render, kept in step with the server by the
 * long-poll loop and the outbox, and mirrored into the local cache so the next start works offline.
 */
export class ChatSession {
  readonly state: ObservableState<ChatState>;
  private readonly poller: StreamPoller;
  private readonly outbox: OutboxSender;
  /** Receipts for messages not loaded yet, applied when they show up. */
  private readonly pendingStatus = new Map<string, LocalStatus>();
  /** Newest message id already reported read, per peer: one request per change, not per render. */
  private readonly lastMarked = new Map<string, string>();
  private readonly cleanups: Array<() => void> = [];
  private stopped = false;

  constructor(
    readonly me: string,
    private readonly cache: ChatCache,
    private readonly onSignedOut: () => void,
  ) {
    this.state = new ObservableState<ChatState>({
      me,
      connection: navigator.onLine ? 'connecting' : 'offline',
      conversations: [],
      threads: {},
      openPeer: null,
      announcement: { text: '', seq: 0 },
    });
    this.poller = new StreamPoller(
      { api, device: browserDevice },
      {
        loadCursor: async () => (await cache.getMeta('cursor')) ?? null,
        saveCursor: (cursor) => cache.setMeta('cursor', cursor),
        onEvents: (events) => this.applyEvents(events),
        onConnection: (connection) => this.setConnection(connection),
        onUnauthorized: () => this.signedOut(),
        onCursorExpired: () => this.reload(),
      },
    );
    this.outbox = new OutboxSender(
      { me, api, cache, device: browserDevice },
      {
        onSent: (item, message) => {
          // The server answers again: the poll loop may be waiting out a back-off, so let it try now.
          if (this.state.get().connection !== 'online') {
            this.setConnection('online');
            this.poller.kick();
          }
          void this.upsert([{ ...fromServer(message), clientId: message.clientId ?? item.clientId }], false);
        },
        onRejected: (item, error) =>
          void this.upsert(
            [
              {
                ...pendingFromOutbox(item),
                status: 'failed',
                failure: error.code === 'user_not_found' ? t('failedUnknownUser') : t('failedRejected', { reason: error.message }),
              },
            ],
            false,
          ),
        onOffline: () => this.setConnection('offline'),
        onUnauthorized: () => this.signedOut(),
      },
    );
  }

  async start(): Promise<void> {
    this.state.update({ conversations: sortConversations(await this.cache.conversations()) });
    this.updateBadge();
    this.listen(window, 'online', () => {
      this.setConnection('connecting');
      this.poller.kick();
      void this.outbox.flush();
    });
    this.listen(window, 'offline', () => {
      this.setConnection('offline');
      // A held poll may never answer once the network is gone: end it now rather than at its deadline.
      this.poller.kick();
    });
    this.listen(document, 'visibilitychange', () => {
      if (document.visibilityState !== 'visible') return;
      // A phone that slept may hold a poll the network already forgot: start a fresh one rather than wait it out.
      this.poller.kick();
      const peer = this.state.get().openPeer;
      if (peer) void this.markRead(peer);
    });
    this.poller.start();
    void this.refreshConversations();
    void this.outbox.flush();
  }

  stop(): void {
    this.stopped = true;
    this.poller.stop();
    this.outbox.stop();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** Logout (`/sair`): ends the server session, forgets the cached chats; the outbox waits for the next login. */
  async logout(): Promise<void> {
    this.stop();
    try {
      await api.logout();
    } catch (error) {
      console.warn('papo: logout request failed; forgetting the session locally', error);
    }
    await this.cache.clearChats();
    await this.cache.setMeta('user', null);
    setAppBadge(0);
  }

  async send(to: string, content: string): Promise<void> {
    askNotificationPermissionOnce();
    const item: OutboxItem = { clientId: newClientId(), from: this.me, to, content, createdAt: new Date().toISOString() };
    // Stored before anything is shown or sent: a closed tab or a crash leaves it in the outbox, not lost.
    await this.cache.addToOutbox(item);
    await this.upsert([pendingFromOutbox(item)], false);
    void this.outbox.flush();
  }

  /** Whether `name` has an account: `unknown` when the server cannot be asked (offline). */
  async userExists(name: string): Promise<'yes' | 'no' | 'unknown'> {
    try {
      await api.history({ with: name, limit: 1 });
      return 'yes';
    } catch (error) {
      if (error instanceof ApiError && error.code === 'user_not_found') return 'no';
      this.handle(error);
      return 'unknown';
    }
  }

  async openConversation(peer: string): Promise<void> {
    this.state.update({ openPeer: peer });
    if (!this.state.get().threads[peer]) {
      let messages = (await this.cache.recentMessages(peer, CACHED_PER_THREAD)).map((m) => this.withPendingStatus(m));
      for (const item of await this.cache.outbox(this.me)) {
        const pending = pendingFromOutbox(item);
        if (item.to === peer && !messages.some((m) => sameMessage(m, pending))) messages = insertByTime(messages, pending);
      }
      if (!this.state.get().threads[peer]) this.setThread(peer, emptyThread(messages));
    }
    // What is already on screen counts as seen now, not only once the newest page arrived.
    void this.markRead(peer);
    await this.loadNewest(peer);
  }

  closeConversation(): void {
    this.state.update({ openPeer: null });
  }

  async loadOlder(peer: string): Promise<void> {
    const thread = this.state.get().threads[peer];
    if (!thread?.before || thread.loadingOlder) return;
    this.setThread(peer, { ...thread, loadingOlder: true });
    try {
      const page = await api.history({ with: peer, before: thread.before, limit: PAGE_SIZE });
      const current = this.state.get().threads[peer] ?? thread;
      const older = page.messages.map(fromServer).filter((m) => !current.messages.some((known) => sameMessage(known, m)));
      this.setThread(peer, { ...current, messages: [...older, ...current.messages], before: page.before, loadingOlder: false });
      await this.cache.putMessages(this.me, older);
    } catch (error) {
      const current = this.state.get().threads[peer] ?? thread;
      this.setThread(peer, { ...current, loadingOlder: false });
      this.handle(error);
    }
  }

  private async loadNewest(peer: string): Promise<void> {
    try {
      const page = await api.history({ with: peer, limit: PAGE_SIZE });
      const thread = this.state.get().threads[peer] ?? emptyThread();
      const messages = withNewestPage(
        thread,
        page.messages.map((m) => this.withPendingStatus(fromServer(m))),
      );
      this.setThread(peer, { ...thread, messages, before: page.before, missing: false });
      await this.cache.putMessages(this.me, messages);
      await this.cache.pruneThread(peer, CACHED_KEPT_PER_THREAD);
      void this.markRead(peer);
    } catch (error) {
      const thread = this.state.get().threads[peer] ?? emptyThread();
      if (error instanceof ApiError && error.code === 'user_not_found') this.setThread(peer, { ...thread, missing: true, before: null });
      else this.handle(error);
    }
  }

  private async refreshConversations(): Promise<void> {
    try {
      const { conversations } = await api.conversations();
      const rows = withServerConversations(this.state.get().conversations, conversations);
      this.state.update({ conversations: rows });
      this.updateBadge();
      await this.cache.replaceConversations(rows);
      const open = this.state.get().openPeer;
      if (open) void this.markRead(open);
    } catch (error) {
      this.handle(error);
    }
  }

  private async applyEvents(events: StreamEvent[]): Promise<void> {
    const messages: LocalMessage[] = [];
    for (const event of events) {
      if (event.type === 'message') messages.push(fromServer(event.message));
      else await this.applyStatus(event.id, event.status);
    }
    if (messages.length > 0) await this.upsert(messages, true);
  }

  private async applyStatus(id: string, status: LocalStatus): Promise<void> {
    const { threads, conversations, updated } = applyStatus(this.state.get(), id, status);
    if (updated.length === 0) {
      this.pendingStatus.set(id, status);
      return;
    }
    this.state.update({ threads, conversations });
    await this.cache.putMessages(this.me, updated);
    for (const row of conversations) if (row.last.id === id) await this.cache.putConversation(row);
  }

  /** Adds or updates messages everywhere they show: their thread, their conversation row, the cache. */
  private async upsert(incoming: LocalMessage[], live: boolean): Promise<void> {
    const state = this.state.get();
    const applied = applyMessages(
      state,
      incoming.map((m) => this.withPendingStatus(m)),
      { live, isReading: (peer) => this.isReading(peer) },
    );
    const newest = applied.arrivals.at(-1);
    this.state.update({
      threads: applied.threads,
      conversations: applied.conversations,
      announcement: newest
        ? { text: t('announceMessage', { name: newest.from, text: newest.content }), seq: state.announcement.seq + 1 }
        : state.announcement,
    });
    this.updateBadge();
    if (document.visibilityState !== 'visible') for (const m of applied.arrivals) void notifyMessage(m.from, m.content);
    const open = this.state.get().openPeer;
    if (open && applied.touched.has(open)) void this.markRead(open);
    await this.cache.putMessages(this.me, applied.stored, applied.replacedKeys);
    for (const row of applied.conversations) if (applied.touched.has(row.with)) await this.cache.putConversation(row);
  }

  /** Tells the server (and so the sender's ticks) that the open conversation has been seen. */
  private async markRead(peer: string): Promise<void> {
    if (!this.isReading(peer)) return;
    const state = this.state.get();
    const thread = state.threads[peer];
    const row = state.conversations.find((r) => r.with === peer);
    const newest = thread?.messages.findLast((m) => m.from === peer && m.id && !m.unreadable);
    if (row && row.unread > 0) {
      this.state.update({ conversations: state.conversations.map((r) => (r === row ? { ...r, unread: 0 } : r)) });
      this.updateBadge();
    }
    if (!thread || !newest?.id || newest.status === 'read' || this.lastMarked.get(peer) === newest.id) return;
    const upTo = newest.id;
    this.lastMarked.set(peer, upTo);
    const messages = thread.messages.map((m) => (m.from === peer && m.status !== 'read' ? { ...m, status: 'read' as const } : m));
    this.setThread(peer, { ...thread, messages });
    try {
      await api.markRead(peer, upTo);
    } catch (error) {
      this.lastMarked.delete(peer);
      this.handle(error);
    }
  }

  private isReading(peer: string): boolean {
    return this.state.get().openPeer === peer && document.visibilityState === 'visible';
  }

  private withPendingStatus(message: LocalMessage): LocalMessage {
    const status = message.id ? this.pendingStatus.get(message.id) : undefined;
    if (!status || !message.id) return message;
    this.pendingStatus.delete(message.id);
    return isNewerStatus(message.status, status) ? { ...message, status } : message;
  }

  private setThread(peer: string, thread: Thread): void {
    this.state.update((state) => ({ threads: { ...state.threads, [peer]: thread } }));
  }

  private setConnection(connection: Connection): void {
    const previous = this.state.get().connection;
    if (previous === connection || this.stopped) return;
    this.state.update({ connection });
    if (connection !== 'online') return;
    void this.outbox.flush();
    const open = this.state.get().openPeer;
    if (previous === 'offline' && open && this.state.get().threads[open]?.before === undefined) void this.loadNewest(open);
  }

  /** 410 from the stream: the server no longer has what we missed, so start over from history (issue #2). */
  private async reload(): Promise<void> {
    await this.cache.clearChats();
    this.lastMarked.clear();
    this.state.update({ threads: {}, conversations: [] });
    await this.refreshConversations();
    const open = this.state.get().openPeer;
    if (open) await this.openConversation(open);
  }

  /** A request outside the session's own loops got a 401: the server no longer knows this login. */
  sessionLost(): void {
    this.signedOut();
  }

  private signedOut(): void {
    if (this.stopped) return;
    this.stop();
    void this.cache.clearChats().then(() => this.cache.setMeta('user', null));
    this.onSignedOut();
  }

  private handle(error: unknown): void {
    if (error instanceof ApiError && error.status === 401) this.signedOut();
    else if (error instanceof ApiError && error.code === 'network') this.setConnection('offline');
    else console.warn('papo: request failed', error);
  }

  private updateBadge(): void {
    setAppBadge(this.state.get().conversations.reduce((sum, row) => sum + row.unread, 0));
  }

  private listen(target: EventTarget, type: string, handler: () => void): void {
    target.addEventListener(type, handler);
    this.cleanups.push(() => target.removeEventListener(type, handler));
  }
}
