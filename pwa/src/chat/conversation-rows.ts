import type { ChatContext } from './chat-context';
import { sortConversations } from './chat-state';
import { withServerConversations } from './chat-updates';
import type { ReadReceipts } from './read-receipts';
import { showUnreadOnBadge } from './unread-badge';

/** The list of conversations: the cached one at start, then the server's, kept where this device knows better. */
export class ConversationRows {
  constructor(
    private readonly context: ChatContext,
    private readonly receipts: ReadReceipts,
  ) {}

  async showCached(): Promise<void> {
    const { state, cache } = this.context;
    state.update({ conversations: sortConversations(await cache.conversations()) });
    showUnreadOnBadge(this.context);
  }

  async refresh(): Promise<void> {
    const { state, api, cache } = this.context;
    try {
      const { conversations } = await api.conversations();
      const rows = withServerConversations(state.get().conversations, conversations);
      state.update({ conversations: rows });
      showUnreadOnBadge(this.context);
      await cache.replaceConversations(rows);
      const open = state.get().openPeer;
      if (open) void this.receipts.markRead(open);
    } catch (error) {
      this.context.requestFailed(error);
    }
  }
}
