import { ApiError } from '../api/api-error';
import type { ChatContext } from './chat-context';
import { emptyThread, insertByTime, setThread } from './chat-state';
import { withNewestPage } from './chat-updates';
import type { EarlyReceipts } from './early-receipts';
import { fromServer, sameMessage } from './local-message';
import { pendingFromOutbox } from './outgoing-messages';
import type { ReadReceipts } from './read-receipts';

const PAGE_SIZE = 50;
/** Messages per conversation shown from the cache before the server answers (or when it cannot). */
const CACHED_PER_THREAD = 60;
/** Messages per conversation the cache keeps; older ones are a history request away. */
const CACHED_KEPT_PER_THREAD = 200;

/**
 * One conversation's messages on screen: at once from the cache and the outbox, then the server's newest page,
 * then older pages as the reader scrolls up.
 */
export class ThreadPages {
  constructor(
    private readonly context: ChatContext,
    private readonly early: EarlyReceipts,
    private readonly receipts: ReadReceipts,
  ) {}

  async open(peer: string): Promise<void> {
    const { me, state, cache } = this.context;
    state.update({ openPeer: peer });
    if (!state.get().threads[peer]) {
      let messages = (await cache.recentMessages(peer, CACHED_PER_THREAD)).map((m) => this.early.applyTo(m));
      for (const item of await cache.outbox(me)) {
        const pending = pendingFromOutbox(item);
        if (item.to === peer && !messages.some((m) => sameMessage(m, pending))) messages = insertByTime(messages, pending);
      }
      // Another path (a live message, a reopen) may have loaded it while the cache was read.
      if (!state.get().threads[peer]) setThread(state, peer, emptyThread(messages));
    }
    // What is already on screen counts as seen now, not only once the newest page arrived.
    void this.receipts.markRead(peer);
    await this.loadNewest(peer);
  }

  close(): void {
    this.context.state.update({ openPeer: null });
  }

  async loadOlder(peer: string): Promise<void> {
    const { me, state, api, cache } = this.context;
    const thread = state.get().threads[peer];
    if (!thread?.before || thread.loadingOlder) return;
    setThread(state, peer, { ...thread, loadingOlder: true });
    try {
      const page = await api.history({ with: peer, before: thread.before, limit: PAGE_SIZE });
      const current = state.get().threads[peer] ?? thread;
      const older = page.messages.map(fromServer).filter((m) => !current.messages.some((known) => sameMessage(known, m)));
      setThread(state, peer, { ...current, messages: [...older, ...current.messages], before: page.before, loadingOlder: false });
      await cache.putMessages(me, older);
    } catch (error) {
      const current = state.get().threads[peer] ?? thread;
      setThread(state, peer, { ...current, loadingOlder: false });
      this.context.requestFailed(error);
    }
  }

  /** Back online: the open conversation's newest page, if the server never answered for it (opened offline). */
  loadNewestIfNeverLoaded(): void {
    const { state } = this.context;
    const open = state.get().openPeer;
    if (open && state.get().threads[open]?.before === undefined) void this.loadNewest(open);
  }

  private async loadNewest(peer: string): Promise<void> {
    const { me, state, api, cache } = this.context;
    try {
      const page = await api.history({ with: peer, limit: PAGE_SIZE });
      const thread = state.get().threads[peer] ?? emptyThread();
      const messages = withNewestPage(
        thread,
        page.messages.map((m) => this.early.applyTo(fromServer(m))),
      );
      setThread(state, peer, { ...thread, messages, before: page.before, missing: false });
      await cache.putMessages(me, messages);
      await cache.pruneThread(peer, CACHED_KEPT_PER_THREAD);
      void this.receipts.markRead(peer);
    } catch (error) {
      const thread = state.get().threads[peer] ?? emptyThread();
      if (error instanceof ApiError && error.code === 'user_not_found') setThread(state, peer, { ...thread, missing: true, before: null });
      else this.context.requestFailed(error);
    }
  }
}
