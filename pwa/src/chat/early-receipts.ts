import { type LocalMessage, type LocalStatus, isNewerStatus } from './local-message';

/**
 * Receipts for messages not loaded yet: the stream can bring `read` for a message whose conversation is not open
 * and whose row shows a newer one. Held here until that message shows up, then applied to it.
 */
export class EarlyReceipts {
  private readonly held = new Map<string, LocalStatus>();

  hold(id: string, status: LocalStatus): void {
    this.held.set(id, status);
  }

  /** `message` with the receipt held for it, if any (which is then no longer held). */
  applyTo(message: LocalMessage): LocalMessage {
    const status = message.id ? this.held.get(message.id) : undefined;
    if (!status || !message.id) return message;
    this.held.delete(message.id);
    return isNewerStatus(message.status, status) ? { ...message, status } : message;
  }
}
