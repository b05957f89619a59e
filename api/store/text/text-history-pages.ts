import { must } from '../../assert.js';
import type { ExportedStoredMessage, ExportPage, HistoryPage, HistoryQuery, Seq, StoredConversation } from '../store.js';
import type { RecordRef } from './history-index.js';
import { refUpperBound } from './sorted-search.js';
import type { TextContext } from './text-context.js';
import type { MessageViews } from './text-message-views.js';

/**
 * A user's past messages on the text files, a page at a time: the history of one conversation or of all,
 * newest first, the export's keyset pages, and the list of conversations. Each page is found in the
 * history's index and read in one range read (history-range-read.ts).
 */
export class TextHistoryPages {
  constructor(
    private readonly store: Pick<TextContext, 'state' | 'history'>,
    private readonly views: MessageViews,
  ) {}

  async history(user: string, query: HistoryQuery): Promise<HistoryPage> {
    const h = await this.store.history(user);
    const refs = query.with === undefined ? h.messages : (h.peers.get(query.with)?.messages ?? []);
    const end = query.before === undefined ? refs.length : refUpperBound(refs, query.before - 1);
    // Hidden messages (delete for me) are skipped: a page still has `limit` messages when there are that many.
    let start = end;
    const page: RecordRef[] = [];
    while (start > 0 && page.length < query.limit) {
      const ref = refs[--start];
      if (ref && !h.hidden.has(ref.seq)) page.unshift(ref);
    }
    while (start > 0 && h.hidden.has(must(refs[start - 1], 'a history entry within bounds').seq)) start--;
    const read = (await h.records(page)).filter((r) => r.kind === 'msg');
    const messages = new Map((await this.views.messagesOf(h, read)).map((m) => [m.seq, m]));
    return {
      messages: page.flatMap((ref) => {
        if (ref.unreadable) return this.views.placeholder(h, ref.seq);
        const m = messages.get(ref.seq);
        return m ? [m] : [];
      }),
      before: start > 0 && page[0] ? page[0].seq : null,
    };
  }

  /** Keyset pages over the history's index: each page is one range read of the file, through its decoder. */
  async exportPage(user: string, after: Seq, limit: number): Promise<ExportPage> {
    const h = await this.store.history(user);
    const first = refUpperBound(h.messages, after);
    // As a stream read: nothing the journal has not committed yet.
    const end = Math.min(first + limit, refUpperBound(h.messages, this.store.state.seq.committed));
    const page = h.messages.slice(first, end);
    const read = (await h.records(page)).filter((r) => r.kind === 'msg');
    const messages = new Map((await this.views.messagesOf(h, read)).map((m) => [m.seq, m]));
    return {
      messages: page.flatMap((ref): ExportedStoredMessage[] => {
        const [m] = ref.unreadable ? this.views.placeholder(h, ref.seq) : [messages.get(ref.seq)];
        if (!m) return [];
        return [h.hidden.has(ref.seq) ? { ...m, hidden: true } : m];
      }),
      last: page.at(-1)?.seq ?? null,
    };
  }

  async conversations(user: string): Promise<StoredConversation[]> {
    const h = await this.store.history(user);
    const rows: { peer: string; last: RecordRef }[] = [];
    for (const [peer, p] of h.peers) {
      let i = p.messages.length - 1;
      while (i >= 0 && h.hidden.has(p.messages[i]?.seq ?? 0)) i--;
      const last = p.messages[i];
      if (last) rows.push({ peer, last });
    }
    rows.sort((a, b) => b.last.seq - a.last.seq);
    const out: StoredConversation[] = [];
    for (const row of rows) {
      const [placeholder] = row.last.unreadable ? this.views.placeholder(h, row.last.seq) : [];
      if (placeholder) {
        out.push({ with: row.peer, last: placeholder, unread: h.unreadFrom(row.peer) });
        continue;
      }
      const [record] = await h.records([row.last]);
      const [last] = record?.kind === 'msg' ? await this.views.messagesOf(h, [record]) : [];
      if (last) out.push({ with: row.peer, last, unread: h.unreadFrom(row.peer) });
    }
    return out;
  }
}
