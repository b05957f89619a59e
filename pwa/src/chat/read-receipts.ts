import type { ChatContext } from './chat-context';
import { setThread } from './chat-state';
import { showUnreadOnBadge } from './unread-badge';

/** The read receipts this device sends: a conversation on screen has been seen, and its sender's ticks say so. */
export class ReadReceipts {
  /** Newest message id already reported read, per peer: one request per change, not per render. */
  private readonly reported = new Map<string, string>();

  constructor(private readonly context: ChatContext) {}

  /** Whether `peer`'s conversation is in front of the person right now. */
  isReading(peer: string): boolean {
    return this.context.state.get().openPeer === peer && this.context.device.isVisible();
  }

  /** When `peer`'s conversation is on screen: its unread count goes, and the server hears up to which message. */
  async markRead(peer: string): Promise<void> {
    if (!this.isReading(peer)) return;
    const { state, api } = this.context;
    const current = state.get();
    const thread = current.threads[peer];
    const row = current.conversations.find((r) => r.with === peer);
    const newest = thread?.messages.findLast((m) => m.from === peer && m.id && !m.unreadable);
    if (row && row.unread > 0) {
      state.update({ conversations: current.conversations.map((r) => (r === row ? { ...r, unread: 0 } : r)) });
      showUnreadOnBadge(this.context);
    }
    if (!thread || !newest?.id || newest.status === 'read' || this.reported.get(peer) === newest.id) return;
    const upTo = newest.id;
    this.reported.set(peer, upTo);
    const messages = thread.messages.map((m) => (m.from === peer && m.status !== 'read' ? { ...m, status: 'read' as const } : m));
    setThread(state, peer, { ...thread, messages });
    try {
      await api.markRead(peer, upTo);
    } catch (error) {
      this.reported.delete(peer);
      this.context.requestFailed(error);
    }
  }

  /** The chats start over from the server: what was reported before may need reporting again. */
  forget(): void {
    this.reported.clear();
  }
}
