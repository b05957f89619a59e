import type { Message } from '../../../api/contract';
import { ApiError } from '../api/api-error';
import type { PapoApi } from '../api/papo-api';
import type { ChatCache, OutboxItem } from './chat-cache';
import type { Device } from './device';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export interface OutboxSenderDeps {
  me: string;
  api: Pick<PapoApi, 'send' | 'upload'>;
  cache: Pick<ChatCache, 'firstInOutbox' | 'removeFromOutbox' | 'updateOutbox'>;
  device: Pick<Device, 'exclusive'>;
}

export interface OutboxHooks {
  onSent(item: OutboxItem, message: Message): void;
  /** Part of an item's files went up: `fraction` of all of them, 0 to 1. */
  onProgress?(item: OutboxItem, fraction: number): void;
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

  /**
   * Uploads the item's files not uploaded yet, one at a time (issue #18), each id kept in the outbox as soon as
   * it is known: a retry, after a failure or a restart, sends the message with them rather than uploading again.
   */
  private async upload(item: OutboxItem): Promise<string[]> {
    const files = item.files ?? [];
    const total = files.reduce((sum, f) => sum + f.size, 0) || 1;
    let done = 0;
    for (const f of files) {
      if (!f.attachment) {
        const before = done;
        const { attachment } = await this.deps.api.upload(f.blob, f.name, (fraction) =>
          this.hooks.onProgress?.(item, (before + fraction * f.size) / total),
        );
        f.attachment = attachment;
        await this.deps.cache.updateOutbox(item);
      }
      done += f.size;
    }
    return files.flatMap((f) => (f.attachment ? [f.attachment.id] : []));
  }

  private async drain(): Promise<void> {
    const { me, api, cache } = this.deps;
    for (let item = await cache.firstInOutbox(me); item; item = await cache.firstInOutbox(me)) {
      try {
        const attachments = await this.upload(item);
        const { message } = await api.send({
          to: item.to,
          content: item.content,
          clientId: item.clientId,
          ...(attachments.length > 0 ? { attachments } : {}),
          ...(item.replyTo ? { replyTo: item.replyTo.id } : {}),
        });
        await cache.removeFromOutbox(item);
        this.retryDelay = FIRST_RETRY_MS;
        this.hooks.onSent(item, message);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 401) return this.hooks.onUnauthorized();
        if (error.code === 'attachment_not_found' && item.files?.some((f) => f.attachment)) {
          // Uploaded, then kept offline past the server's day for files no message carries: upload them again.
          for (const f of item.files) delete f.attachment;
          await cache.updateOutbox(item);
          continue;
        }
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
