import type { Message, Quote } from '../../../api/contract';
import type { ApiError } from '../api/api-error';
import { newClientId } from '../lib/client-id';
import { t } from '../lib/i18n';
import type { OutboxFile, OutboxItem } from './chat-cache';
import type { ChatContext } from './chat-context';
import { type LocalFile, type LocalMessage, fromServer } from './local-message';
import { OutboxSender } from './outbox-sender';
import type { ShownMessages } from './shown-messages';

/** Object URLs of the outbox's files, one per file for as long as the page lives (a bubble re-renders often). */
const fileUrls = new WeakMap<Blob, string>();

function localFiles(files: OutboxFile[]): LocalFile[] {
  return files.map((f) => {
    let url = fileUrls.get(f.blob);
    if (url === undefined) {
      url = URL.createObjectURL(f.blob);
      fileUrls.set(f.blob, url);
    }
    const local: LocalFile = { url, name: f.name, type: f.type, size: f.size };
    if (f.width !== undefined && f.height !== undefined) Object.assign(local, { width: f.width, height: f.height });
    return local;
  });
}

/** An outbox item as its bubble shows it until the server answers. */
export function pendingFromOutbox(item: OutboxItem): LocalMessage {
  const pending: LocalMessage = {
    clientId: item.clientId,
    from: item.from,
    to: item.to,
    content: item.content,
    sentAt: item.createdAt,
    status: 'pending',
  };
  if (item.files && item.files.length > 0) pending.localFiles = localFiles(item.files);
  if (item.replyTo) pending.replyTo = item.replyTo;
  return pending;
}

function rejectedFromOutbox(item: OutboxItem, error: ApiError): LocalMessage {
  const failure = error.code === 'user_not_found' ? t('failedUnknownUser') : t('failedRejected', { reason: error.message });
  return { ...pendingFromOutbox(item), status: 'failed', failure };
}

function sentFromOutbox(item: OutboxItem, message: Message): LocalMessage {
  return { ...fromServer(message), clientId: message.clientId ?? item.clientId };
}

export interface OutgoingHooks {
  /** The server answered a send: it can be reached, whatever the poll loop last saw. */
  onServerReached(): void;
  onOffline(): void;
  onUnauthorized(): void;
}

/**
 * What the person writes (issue #3): kept in the outbox before anything else, shown as pending, then sent in
 * order by the OutboxSender; the bubble follows each answer (sent, or failed with the reason).
 */
export class OutgoingMessages {
  private readonly sender: OutboxSender;

  constructor(
    private readonly context: ChatContext,
    private readonly shown: ShownMessages,
    hooks: OutgoingHooks,
  ) {
    this.sender = new OutboxSender(context, {
      onProgress: (item, fraction) => void shown.upsert([{ ...pendingFromOutbox(item), progress: fraction }], { live: false }),
      onSent: (item, message) => {
        hooks.onServerReached();
        void shown.upsert([sentFromOutbox(item, message)], { live: false });
      },
      onRejected: (item, error) => void shown.upsert([rejectedFromOutbox(item, error)], { live: false }),
      onOffline: () => hooks.onOffline(),
      onUnauthorized: () => hooks.onUnauthorized(),
    });
  }

  async send(to: string, content: string, files: OutboxFile[] = [], replyTo?: Quote): Promise<void> {
    const { me, cache, device } = this.context;
    device.askNotificationPermissionOnce();
    const item: OutboxItem = { clientId: newClientId(), from: me, to, content, createdAt: new Date().toISOString() };
    if (files.length > 0) item.files = files;
    if (replyTo) item.replyTo = replyTo;
    // Stored before anything is shown or sent: a closed tab or a crash leaves it in the outbox, not lost.
    await cache.addToOutbox(item);
    await this.shown.upsert([pendingFromOutbox(item)], { live: false });
    void this.sender.flush();
  }

  /** Sends what waits in the outbox (at start, and each time the network may be back). */
  flush(): Promise<void> {
    return this.sender.flush();
  }

  stop(): void {
    this.sender.stop();
  }
}
