import type { MyProfile, ProfileUpdate, Quote } from '../../../api/contract';
import { ApiError } from '../api/api-error';
import type { PapoApi } from '../api/papo-api';
import { ObservableState } from '../lib/observable-state';
import { BlockedPeople } from './blocked-people';
import type { ChatCache, OutboxFile } from './chat-cache';
import type { ChatContext } from './chat-context';
import type { ChatState } from './chat-state';
import { Connection } from './connection';
import { ConversationRows } from './conversation-rows';
import type { Device } from './device';
import { EarlyReceipts } from './early-receipts';
import { LiveEvents } from './live-events';
import { MessageChanges } from './message-changes';
import { MyAccount } from './my-account';
import { OutgoingMessages } from './outgoing-messages';
import { People } from './people';
import { ReadReceipts } from './read-receipts';
import { ShownMessages } from './shown-messages';
import { StreamPoller } from './stream-poller';
import { ThreadPages } from './thread-pages';
import { userExists } from './user-lookup';

/** The world a session runs in: the server, this device's cache, the browser. */
export interface ChatSessionDeps {
  api: PapoApi;
  cache: ChatCache;
  device: Device;
}

/**
 * One signed-in user's chats on this device: the state the screens render, kept in step with the server by the
 * long-poll loop and the outbox, and mirrored into the cache so the next start works offline. This file wires
 * the parts together and runs the session's life (start, stop, logout, the end of a login); each part does one
 * thing: connection.ts, outgoing-messages.ts (send), thread-pages.ts, conversation-rows.ts, live-events.ts,
 * read-receipts.ts, and shown-messages.ts, where every message lands.
 */
export class ChatSession {
  readonly state: ObservableState<ChatState>;
  private readonly context: ChatContext;
  private readonly connection: Connection;
  private readonly poller: StreamPoller;
  private readonly outgoing: OutgoingMessages;
  private readonly threads: ThreadPages;
  private readonly rows: ConversationRows;
  private readonly receipts: ReadReceipts;
  /** Display names, presence and typing of the people in my chats (issue #19). */
  readonly people: People;
  /** Edit, delete, search and jumping to a message (issue #18). */
  readonly changes: MessageChanges;
  /** Whom I blocked; my devices and password (issue #17). */
  readonly blocks: BlockedPeople;
  readonly account: MyAccount;
  private readonly cleanups: Array<() => void> = [];
  private stopped = false;

  constructor(
    readonly me: string,
    { api, cache, device }: ChatSessionDeps,
    private readonly onSignedOut: () => void,
  ) {
    this.state = new ObservableState<ChatState>({
      me,
      connection: device.isOnline() ? 'connecting' : 'offline',
      conversations: [],
      threads: {},
      openPeer: null,
      announcement: { text: '', seq: 0 },
      typing: {},
      people: {},
    });
    const context: ChatContext = { me, state: this.state, api, cache, device, requestFailed: (error) => this.requestFailed(error) };
    this.context = context;
    const early = new EarlyReceipts();
    this.receipts = new ReadReceipts(context);
    const shown = new ShownMessages(context, early, this.receipts);
    this.threads = new ThreadPages(context, early, this.receipts);
    this.rows = new ConversationRows(context, this.receipts);
    this.people = new People(context);
    this.changes = new MessageChanges(context, this.threads);
    this.blocks = new BlockedPeople(context, () => this.rows.refresh());
    this.account = new MyAccount(context, async () => {
      await this.poller.pause();
      return () => {
        if (!this.stopped) this.poller.start();
      };
    });
    const live = new LiveEvents(context, early, shown, this.people, this.changes);
    this.connection = new Connection(this.state, (previous) => {
      void this.outgoing.flush();
      if (previous === 'offline') this.threads.loadNewestIfNeverLoaded();
    });
    this.poller = new StreamPoller(context, {
      loadCursor: async () => (await cache.getMeta('cursor')) ?? null,
      saveCursor: (cursor) => cache.setMeta('cursor', cursor),
      onEvents: (events) => live.apply(events),
      onConnection: (status) => this.connection.set(status),
      onUnauthorized: () => this.signedOut(),
      onCursorExpired: () => this.startOver(),
    });
    this.outgoing = new OutgoingMessages(context, shown, {
      onServerReached: () => {
        if (this.state.get().connection === 'online') return;
        this.connection.set('online');
        // The poll loop may be waiting out a back-off: let it try now.
        this.poller.kick();
      },
      onOffline: () => this.connection.set('offline'),
      onUnauthorized: () => this.signedOut(),
    });
  }

  async start(): Promise<void> {
    await this.rows.showCached();
    const { device } = this.context;
    this.cleanups.push(
      device.on('online', () => {
        this.connection.set('connecting');
        this.poller.kick();
        void this.outgoing.flush();
      }),
      device.on('offline', () => {
        this.connection.set('offline');
        // A held poll may never answer once the network is gone: end it now rather than at its deadline.
        this.poller.kick();
      }),
      device.on('shown', () => {
        // A phone that slept may hold a poll the network already forgot: start a fresh one rather than wait it out.
        this.poller.kick();
        const peer = this.state.get().openPeer;
        if (peer) void this.receipts.markRead(peer);
      }),
    );
    this.poller.start();
    void this.rows.refresh().then(() => this.people.refresh(this.state.get().conversations.map((c) => c.with)));
    void this.outgoing.flush();
  }

  stop(): void {
    this.stopped = true;
    this.connection.stop();
    this.poller.stop();
    this.outgoing.stop();
    this.people.stop();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** How many of my messages wait in the outbox, not yet taken by the server. */
  async unsentCount(): Promise<number> {
    return (await this.context.cache.outbox(this.me)).length;
  }

  /** Logout (`/sair`): ends the server session, forgets the cached chats; the outbox waits for the next login. */
  async logout(): Promise<void> {
    const { api, cache, device } = this.context;
    this.stop();
    try {
      await api.logout();
    } catch (error) {
      console.warn('papo: logout request failed; forgetting the session locally', error);
    }
    await cache.clearChats();
    await cache.setMeta('user', null);
    device.setBadge(0);
  }

  /**
   * Deletes my account (issue #17), then forgets it on this device like a logout, the outbox too: what waits
   * there could never be sent, since the name stays reserved and nobody logs in with it again.
   */
  async deleteAccount(password: string): Promise<void> {
    const { api, cache, device } = this.context;
    await api.deleteAccount(password);
    this.stop();
    for (const item of await cache.outbox(this.me)) await cache.removeFromOutbox(item);
    await cache.clearChats();
    await cache.setMeta('user', null);
    device.setBadge(0);
  }

  /** Sends text, files (issue #18), or both, through the outbox; `replyTo`: the message it answers. */
  send(to: string, content: string, files: OutboxFile[] = [], replyTo?: Quote): Promise<void> {
    this.people.sent(to);
    return this.outgoing.send(to, content, files, replyTo);
  }

  /** Uploads a photo and makes it my profile photo (issue #19, item 12). */
  async setMyPhoto(file: File): Promise<MyProfile> {
    const { attachment } = await this.context.api.upload(file, file.name, () => undefined);
    return this.context.api.updateMyProfile({ photo: attachment.id });
  }

  myProfile(): Promise<MyProfile> {
    return this.context.api.myProfile();
  }

  async updateMyProfile(change: ProfileUpdate): Promise<MyProfile> {
    const mine = await this.context.api.updateMyProfile(change);
    return mine;
  }

  userExists(name: string): Promise<'yes' | 'no' | 'unknown'> {
    return userExists(this.context, name);
  }

  openConversation(peer: string): Promise<void> {
    return this.threads.open(peer);
  }

  closeConversation(): void {
    this.threads.close();
  }

  loadOlder(peer: string): Promise<void> {
    return this.threads.loadOlder(peer);
  }

  /** A request outside the session's own loops got a 401: the server no longer knows this login. */
  sessionLost(): void {
    this.signedOut();
  }

  /** 410 from the stream: the server no longer has what we missed, so start over from history (issue #2). */
  private async startOver(): Promise<void> {
    await this.context.cache.clearChats();
    this.receipts.forget();
    this.state.update({ threads: {}, conversations: [] });
    await this.rows.refresh();
    const open = this.state.get().openPeer;
    if (open) await this.threads.open(open);
  }

  private signedOut(): void {
    if (this.stopped) return;
    const { cache } = this.context;
    this.stop();
    void cache.clearChats().then(() => cache.setMeta('user', null));
    this.onSignedOut();
  }

  private requestFailed(error: unknown): void {
    if (error instanceof ApiError && error.status === 401) this.signedOut();
    else if (error instanceof ApiError && error.code === 'network') this.connection.set('offline');
    else console.warn('papo: request failed', error);
  }
}
