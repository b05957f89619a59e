import { matchesAll } from '../search-words.js';
import type { SearchPage, SearchQuery, Seq, StoredMessage } from '../store.js';
import type { MessageRecord } from './records.js';
import { newestFirst } from './text-search-merge.js';
import { lowerBoundNumber } from './sorted-search.js';
import type { RecordRef } from './history-index.js';
import { refUpperBound } from './sorted-search.js';
import type { UserHistory } from './user-history.js';

/** What search needs of the text store: a user's history, loaded and indexed. */
export interface HistorySource {
  history(user: string): Promise<UserHistory>;
}

/** Messages as their history's owner sees them (MessageViews.messagesOf). */
type MessagesOf = (h: UserHistory, records: readonly MessageRecord[]) => Promise<StoredMessage[]>;

/** A query word with more words than this starting with it is checked on the text only, not in the index. */
const MAX_PREFILTER_LISTS = 64;

/**
 * Search and single-message lookups on the text store (issue #18). A user's index (text-search-index.ts) is
 * built at their first search and then kept current; a query walks the postings of its rarest word from the
 * newest message down, and checks each candidate's current text, so it reads only the records it returns
 * (and the few candidates an edit made stale), never the whole history.
 */
export class TextSearch {
  constructor(
    private readonly store: HistorySource,
    private readonly messagesOf: MessagesOf,
  ) {}

  async find(user: string, seq: Seq): Promise<StoredMessage | undefined> {
    const h = await this.store.history(user);
    const ref = h.messageRef(seq);
    if (!ref || ref.unreadable || h.hidden.has(seq)) return undefined;
    const [record] = await h.records([ref]);
    return record?.kind === 'msg' ? (await this.messagesOf(h, [record]))[0] : undefined;
  }

  async search(user: string, query: SearchQuery): Promise<SearchPage> {
    const h = await this.store.history(user);
    const index = await h.searchIndex();
    const perWord = query.words.map((w) => index.listsFor(w));
    const sizes = perWord.map((lists) => lists.reduce((n, l) => n + l.length, 0));
    const rarest = sizes.indexOf(Math.min(...sizes));
    const others = perWord.filter((lists, i) => i !== rarest && lists.length <= MAX_PREFILTER_LISTS);
    const peer = query.with === undefined ? undefined : (h.peers.get(query.with)?.messages ?? []);
    const found: StoredMessage[] = [];
    let batch: RecordRef[] = [];
    const flush = async (): Promise<void> => {
      const refs = batch.sort((a, b) => a.seq - b.seq);
      batch = [];
      const records = (await h.records(refs)).filter((r) => r.kind === 'msg');
      const messages = await this.messagesOf(h, records);
      for (const m of messages.reverse()) if (!m.deleted && matchesAll(m.content, query.words)) found.push(m);
    };
    for (const seq of newestFirst(perWord[rarest] ?? [], query.before ?? Number.MAX_SAFE_INTEGER)) {
      if (found.length > query.limit) break;
      if (h.deleted.has(seq) || h.hidden.has(seq)) continue;
      if (peer && !has(peer, seq)) continue;
      if (!others.every((lists) => lists.some((list) => list[lowerBoundNumber(list, seq)] === seq))) continue;
      const ref = h.messageRef(seq);
      if (!ref || ref.unreadable) continue;
      batch.push(ref);
      if (batch.length > query.limit - found.length) await flush();
    }
    if (batch.length > 0 && found.length <= query.limit) await flush();
    const page = found.slice(0, query.limit);
    return { messages: page, before: found.length > query.limit ? (page.at(-1)?.seq ?? null) : null };
  }
}

function has(refs: readonly RecordRef[], seq: number): boolean {
  return refs[refUpperBound(refs, seq) - 1]?.seq === seq;
}
