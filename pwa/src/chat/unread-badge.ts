import type { ChatContext } from './chat-context';

/** The unread count on the installed app's icon: the sum over the conversation rows. */
export function showUnreadOnBadge({ state, device }: Pick<ChatContext, 'state' | 'device'>): void {
  device.setBadge(state.get().conversations.reduce((sum, row) => sum + row.unread, 0));
}
