import type { StreamEvent } from '../../../api/contract';
import type { ChatContext } from './chat-context';
import { applyReceipt } from './chat-updates';
import type { EarlyReceipts } from './early-receipts';
import type { MessageChanges } from './message-changes';
import type { People } from './people';
import { type LocalMessage, type LocalStatus, fromServer } from './local-message';
import type { ShownMessages } from './shown-messages';

/** What the stream brings (issue #2): messages to me and from my other devices, and receipts for mine. */
export class LiveEvents {
  constructor(
    private readonly context: ChatContext,
    private readonly early: EarlyReceipts,
    private readonly shown: ShownMessages,
    private readonly people: People,
    private readonly changes: MessageChanges,
  ) {}

  /** Resolves once the events are applied and cached: the poll that follows acknowledges them. */
  async apply(events: StreamEvent[]): Promise<void> {
    const messages: LocalMessage[] = [];
    for (const event of events) {
      switch (event.type) {
        case 'message':
          messages.push(fromServer(event.message));
          this.people.stoppedTyping(event.message.from);
          break;
        case 'typing':
          this.people.typingFrom(event.from, event.seconds);
          break;
        case 'status':
          await this.applyReceipt(event.id, event.status);
          break;
        case 'edit':
        case 'delete':
          // Messages of the same answer first: an edit or a delete applies to a message by id.
          if (messages.length > 0) await this.shown.upsert(messages.splice(0), { live: true });
          await this.changes.apply(
            event.id,
            event.type === 'edit'
              ? { kind: 'edit', content: event.content, editedAt: event.editedAt }
              : { kind: 'delete', forMe: event.for === 'me' },
          );
          break;
      }
    }
    if (messages.length > 0) await this.shown.upsert(messages, { live: true });
  }

  private async applyReceipt(id: string, status: LocalStatus): Promise<void> {
    const { me, state, cache } = this.context;
    const { threads, conversations, updated } = applyReceipt(state.get(), id, status);
    if (updated.length === 0) {
      this.early.hold(id, status);
      return;
    }
    state.update({ threads, conversations });
    await cache.putMessages(me, updated);
    for (const row of conversations) if (row.last.id === id) await cache.putConversation(row);
  }
}
