import type {
  AppendResult,
  ChangeOutcome,
  MessageChange,
  ExportPage,
  SearchPage,
  SearchQuery,
  HistoryPage,
  HistoryQuery,
  MessageRepository,
  NewMessage,
  Seq,
  StoredConversation,
  StoredMessage,
  StreamPage,
  StoredAppend,
  TokenKey,
  MarkReadOutcome,
  AcknowledgeOutcome,
} from '../store.js';
import { storedOrThrow } from '../store.js';
import type { TextContext } from './text-context.js';
import { TextHistoryPages } from './text-history-pages.js';
import { TextMessageChanges } from './text-message-changes.js';
import { MessageViews } from './text-message-views.js';
import { TextReceipts } from './text-receipts.js';
import { TextSearch } from './text-search.js';
import { TextSending } from './text-sending.js';
import { TextStream } from './text-stream.js';

/**
 * Messages, streams, receipts and history on the text files: the MessageRepository, one part a concept
 * (sending, the stream, receipts, history pages, changes, search), all seeing messages through one
 * MessageViews. Each write is one journal batch (text-batches.ts: queue line + both history lines for a
 * send; flags + status records for an acknowledgement), so it lands whole or not at all, and readers only
 * see it once it is committed.
 */
export class TextMessages implements MessageRepository {
  private readonly sending: TextSending;
  private readonly stream: TextStream;
  private readonly receipts: TextReceipts;
  private readonly pages: TextHistoryPages;
  private readonly changes: TextMessageChanges;
  private readonly searching: TextSearch;

  constructor(
    /** The text store as its repositories see it (text-context.ts). */
    private readonly store: TextContext,
    readonly epoch: string,
  ) {
    this.changes = new TextMessageChanges(store);
    const views = new MessageViews(store, this.changes);
    this.sending = new TextSending(store, views);
    this.stream = new TextStream(store, views);
    this.receipts = new TextReceipts(store);
    this.pages = new TextHistoryPages(store, views);
    this.searching = new TextSearch(store, (h, records) => views.messagesOf(h, records));
  }

  tryAppend(m: NewMessage): Promise<AppendResult> {
    return this.sending.append(m);
  }

  async append(m: NewMessage): Promise<StoredAppend> {
    return storedOrThrow(await this.sending.append(m), m.to);
  }

  readStream(user: string, after: Seq, limit: number): Promise<StreamPage> {
    return this.stream.readStream(user, after, limit);
  }

  startPosition(user: string): Promise<Seq> {
    return this.stream.startPosition(user);
  }

  acknowledge(user: string, upTo: Seq): Promise<AcknowledgeOutcome> {
    return this.receipts.acknowledge(user, upTo);
  }

  markRead(user: string, peer: string, upTo: Seq): Promise<MarkReadOutcome> {
    return this.receipts.markRead(user, peer, upTo);
  }

  /** Takes the messages still queued for `user` out of mensagens.txt (their account is deleted, issue #17). */
  dropQueuedFor(user: string): Promise<number> {
    return this.receipts.dropQueuedFor(user);
  }

  history(user: string, query: HistoryQuery): Promise<HistoryPage> {
    return this.pages.history(user, query);
  }

  exportPage(user: string, after: Seq, limit: number): Promise<ExportPage> {
    return this.pages.exportPage(user, after, limit);
  }

  conversations(user: string): Promise<StoredConversation[]> {
    return this.pages.conversations(user);
  }

  find(user: string, seq: Seq): Promise<StoredMessage | undefined> {
    return this.searching.find(user, seq);
  }

  search(user: string, query: SearchQuery): Promise<SearchPage> {
    return this.searching.search(user, query);
  }

  edit(change: MessageChange & { content: string }): Promise<ChangeOutcome> {
    return this.changes.edit(change);
  }

  deleteForEveryone(change: MessageChange): Promise<ChangeOutcome> {
    return this.changes.deleteForEveryone(change);
  }

  hide(user: string, seq: Seq): Promise<Exclude<ChangeOutcome, { kind: 'not_sender' | 'too_late' }>> {
    return this.changes.hide(user, seq);
  }

  async tokenKey(): Promise<TokenKey & { created: boolean }> {
    return this.store.tokenKey;
  }
}
