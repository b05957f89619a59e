import { t } from '../lib/i18n';
import { summaryOf } from '../lib/message-summary';
import type { ChatContext } from './chat-context';
import { applyMessages } from './chat-updates';
import type { EarlyReceipts } from './early-receipts';
import type { LocalMessage } from './local-message';
import type { ReadReceipts } from './read-receipts';
import { showUnreadOnBadge } from './unread-badge';

/**
 * Puts messages everywhere they show: their thread (when loaded), their conversation row, the badge and the
 * cache. Those that just arrived from someone else are also announced to screen readers and, while the app is in
 * the background, notified. The outbox, the send answers and the stream all come through here.
 */
export class ShownMessages {
  constructor(
    private readonly context: ChatContext,
    private readonly early: EarlyReceipts,
    private readonly receipts: ReadReceipts,
  ) {}

  /** `live`: they came from the stream, so new ones from others count as unread unless on screen. */
  async upsert(incoming: LocalMessage[], { live }: { live: boolean }): Promise<void> {
    const { me, state, cache, device } = this.context;
    const current = state.get();
    // The display name where one is known (issue #19, item 12); the username stays the handle everywhere else.
    const shownName = (username: string) => current.people[username]?.displayName ?? username;
    const applied = applyMessages(
      current,
      incoming.map((m) => this.early.applyTo(m)),
      { live, isReading: (peer) => this.receipts.isReading(peer) },
    );
    const newest = applied.arrivals.at(-1);
    state.update({
      threads: applied.threads,
      conversations: applied.conversations,
      announcement: newest
        ? { text: t('announceMessage', { name: shownName(newest.from), text: summaryOf(newest) }), seq: current.announcement.seq + 1 }
        : current.announcement,
    });
    showUnreadOnBadge(this.context);
    if (!device.isVisible()) for (const m of applied.arrivals) device.notifyMessage(m.from, summaryOf(m), shownName(m.from));
    const open = state.get().openPeer;
    if (open && applied.touched.has(open)) void this.receipts.markRead(open);
    await cache.putMessages(me, applied.stored, applied.replacedKeys);
    for (const row of applied.conversations) if (applied.touched.has(row.with)) await cache.putConversation(row);
  }
}
