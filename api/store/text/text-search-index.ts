import { eachWord } from '../search-words.js';
import type { HistoryRecord } from './records.js';
import { SearchSegment } from './text-search-segment.js';
import { ensure, WordNumbers } from './text-search-words.js';

/** Pairs gathered before they become a segment: fewer than this only when a search asks first. */
const MIN_GATHERED = 16_384;

/**
 * One user's words, for search without reading their history (issue #18). Built at the user's first search
 * (UserHistory.searchIndex, which reads every message and edit once), then kept current as records are
 * indexed: (word, message) pairs are gathered into flat arrays, and turned into a frozen, sorted segment
 * (text-search-segment.ts) at the end of the build, then when there are as many as the segments hold
 * already, or when a search comes. Two segments of like size are merged, so there are few of them and each
 * pair is copied a few times at most.
 *
 * It only proposes candidates: an edit adds the new words and leaves the old ones, and a deleted message's
 * words stay, so the search checks each candidate's current text and state (text-search.ts). It lives in
 * memory only: a file of it would keep the words of deleted messages that the history scrubs (issue #18).
 */
export class SearchIndex {
  private readonly segments: SearchSegment[] = [];
  /** Pairs held in segments. */
  private held = 0;
  /** Gathered, not in a segment yet: the words, by number, then message i's word numbers up to `ends[i]`. */
  private gathered = new Gathered();
  /** Until the first seal (the end of the build) everything is gathered, for one sort at the end. */
  private loading = true;

  add(record: HistoryRecord): void {
    if (record.kind !== 'msg' && record.kind !== 'ed') return;
    this.gathered.add(record.kind === 'msg' ? record.seq : record.messageSeq, record.content);
    if (!this.loading && this.gathered.pairs >= Math.max(MIN_GATHERED, this.held)) this.seal();
  }

  /** Turns the gathered pairs into a segment, and merges segments of like size. */
  seal(): void {
    this.loading = false;
    if (this.gathered.pairs === 0) return;
    this.push(this.gathered.segment());
    this.gathered = new Gathered();
  }

  /** The messages of every word that starts with `prefix`, one ascending list a word (a message may be in several). */
  listsFor(prefix: string): Int32Array[] {
    this.seal();
    const out: Int32Array[] = [];
    for (const segment of this.segments) segment.listsFor(prefix, out);
    return out;
  }

  /** What it holds, and about what that takes in memory (for the benchmark). */
  get size(): { segments: number; pairs: number; bytes: number } {
    let bytes = this.gathered.bytes;
    for (const s of this.segments) bytes += s.bytes;
    return { segments: this.segments.length, pairs: this.held + this.gathered.pairs, bytes };
  }

  private push(segment: SearchSegment): void {
    this.segments.push(segment);
    this.held += segment.size;
    for (;;) {
      const last = this.segments.at(-1);
      const before = this.segments.at(-2);
      if (!last || !before || before.size > 2 * last.size) return;
      this.segments.splice(-2, 2, SearchSegment.merge(before, last));
      this.held = this.segments.reduce((n, s) => n + s.size, 0);
    }
  }
}

/** Word numbers of messages, in flat arrays: allocated on first use, so an idle user's index costs nothing. */
class Gathered {
  readonly numbers = new WordNumbers();
  private ids: Int32Array = new Int32Array(0);
  private seqs: Int32Array = new Int32Array(0);
  private ends: Int32Array = new Int32Array(0);
  private messages = 0;
  pairs = 0;
  /** Made once: a closure a message was a good part of the load's garbage. */
  private readonly visit = (source: string, start: number, end: number, hash: number): void => {
    if (this.pairs === this.ids.length) this.ids = ensure(this.ids, this.pairs + 1);
    this.ids[this.pairs++] = this.numbers.numberOf(source, start, end, hash);
  };

  add(seq: number, content: string): void {
    eachWord(content, this.visit);
    this.seqs = ensure(this.seqs, this.messages + 1);
    this.ends = ensure(this.ends, this.messages + 1);
    this.seqs[this.messages] = seq;
    this.ends[this.messages++] = this.pairs;
  }

  segment(): SearchSegment {
    return SearchSegment.fromMessages(this.numbers, this.ids, this.seqs.subarray(0, this.messages), this.ends);
  }

  get bytes(): number {
    return 4 * (this.ids.length + this.seqs.length + this.ends.length);
  }
}
