import { searchWords } from '../search-words.js';
import type { HistoryRecord } from './records.js';

/**
 * One user's words, for search without reading their history (issue #18): each folded word (search-words.ts)
 * with the messages it is in, ascending, and the words in sorted order, so a prefix is a range of them. Built
 * from the history on the first search, then kept up to date as records are indexed (UserHistory.onIndexed).
 *
 * It only proposes candidates: an edit adds the new words and leaves the old ones, so the search checks each
 * candidate's current text (text-search.ts). What it costs is in docs/performance.md ("Search").
 */
export class SearchIndex {
  private readonly postings = new Map<string, number[]>();
  /** The words, sorted; new ones are inserted in place. */
  private readonly words: string[] = [];

  add(record: HistoryRecord): void {
    if (record.kind !== 'msg' && record.kind !== 'ed') return;
    const seq = record.kind === 'msg' ? record.seq : record.messageSeq;
    for (const word of new Set(searchWords(record.content))) {
      let list = this.postings.get(word);
      if (!list) {
        list = [];
        this.postings.set(word, list);
        this.words.splice(lowerBound(this.words, word), 0, word);
      }
      // Messages come in order; only an edit of an older message goes back.
      if (list.length === 0 || (list.at(-1) ?? 0) < seq) list.push(seq);
      else {
        const at = lowerBoundNumber(list, seq);
        if (list[at] !== seq) list.splice(at, 0, seq);
      }
    }
  }

  /** The posting lists of every word that starts with `prefix`. */
  listsFor(prefix: string): number[][] {
    const out: number[][] = [];
    for (let i = lowerBound(this.words, prefix); i < this.words.length; i++) {
      const word = this.words[i] ?? '';
      if (!word.startsWith(prefix)) break;
      const list = this.postings.get(word);
      if (list) out.push(list);
    }
    return out;
  }

  get size(): { words: number; postings: number } {
    let postings = 0;
    for (const list of this.postings.values()) postings += list.length;
    return { words: this.words.length, postings };
  }
}

/**
 * The messages in any of `lists` below `before`, newest first, without repeats: a merge from the lists' ends
 * with a heap, so the first page of a common prefix does not sort every message that has it.
 */
export function* newestFirst(lists: readonly number[][], before: number): Generator<number> {
  const heap: { list: readonly number[]; at: number }[] = [];
  for (const list of lists) {
    const at = lowerBoundNumber(list, before) - 1;
    if (at >= 0) push(heap, { list, at });
  }
  let previous = Infinity;
  while (heap.length > 0) {
    const top = heap[0];
    if (!top) break;
    const seq = top.list[top.at] ?? 0;
    if (seq !== previous) yield seq;
    previous = seq;
    top.at--;
    if (top.at < 0) {
      const last = heap.pop();
      if (last && heap.length > 0) {
        heap[0] = last;
        down(heap, 0);
      }
    } else down(heap, 0);
  }
}

type Cursor = { list: readonly number[]; at: number };
const key = (c: Cursor): number => c.list[c.at] ?? 0;

function push(heap: Cursor[], c: Cursor): void {
  heap.push(c);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent];
    const me = heap[i];
    if (!p || !me || key(p) >= key(me)) break;
    heap[parent] = me;
    heap[i] = p;
    i = parent;
  }
}

function down(heap: Cursor[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let top = i;
    if (l < heap.length && key(heap[l] as Cursor) > key(heap[top] as Cursor)) top = l;
    if (r < heap.length && key(heap[r] as Cursor) > key(heap[top] as Cursor)) top = r;
    if (top === i) return;
    const a = heap[i] as Cursor;
    heap[i] = heap[top] as Cursor;
    heap[top] = a;
    i = top;
  }
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? '') < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first number not below `value`. */
export function lowerBoundNumber(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
