import type { Message } from '../../../api/contract';
import { ApiError } from '../api/api-error';
import type { PapoApi } from '../api/papo-api';
import type { ChatCache, OutboxItem } from './chat-cache';
import type { Device } from './device';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export interface OutboxSenderDeps {
  me: string;
  api: Pick<PapoApi, 'send'>;
  cache: Pick<ChatCache, 'firstInOutbox' | 'removeFromOutbox'>;
  device: Pick<Device, 'exclusive'>;
}

export interface OutboxHooks {
  onSent(item: OutboxItem, message: Message): void;
  /** The server refused the message for good (unknown recipient, invalid content): it will never go out. */
  onRejected(item: OutboxItem, error: ApiError): void;
  onOffline(): void;
  onUnauthorized(): void;
}

/**
 * Sends the outbox one message at a time, oldest first, each with its `clientId` (issue #3: in order, never lost,
 * never twice). An item leaves the outbox only after the server answered for it; if that answer is lost, the
 * retry carries the same `clientId` and the server returns the original message instead of storing a copy.
 */
export class OutboxSender {
  private draining = false;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay = FIRST_RETRY_MS;

  constructor(
    private readonly deps: OutboxSenderDeps,
    private readonly hooks: OutboxHooks,
  ) {}

  async flush(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    clearTimeout(this.retryTimer);
    try {
      do {
        this.again = false;
        // Two tabs draining one outbox would send in parallel and break the order: they take turns.
        await this.deps.device.exclusive(`papo-outbox:${this.deps.me}`, () => this.drain());
      } while (this.again);
    } finally {
      this.draining = false;
    }
  }

  stop(): void {
    clearTimeout(this.retryTimer);
  }

  private async drain(): Promise<void> {
    const { me, api, cache } = this.deps;
    for (let item = await cache.firstInOutbox(me); item; item = await cache.firstInOutbox(me)) {
      try {
        const { message } = await api.send({ to: item.to, content: item.content, clientId: item.clientId });
        await cache.removeFromOutbox(item);
        this.retryDelay = FIRST_RETRY_MS;
        this.hooks.onSent(item, message);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 401) return this.hooks.onUnauthorized();
        if (error.isTransient) {
          if (error.code === 'network') this.hooks.onOffline();
          this.retryTimer = setTimeout(() => void this.flush(), this.retryDelay);
          this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
          return;
        }
        await cache.removeFromOutbox(item);
        this.hooks.onRejected(item, error);
      }
    }
  }
}
