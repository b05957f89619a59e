import type { WordNumbers } from './text-search-words.js';

/**
 * A frozen part of a user's search index (issue #18), in a few flat blocks rather than a JavaScript object a
 * word: the words, sorted, in one string ("word\n" each), and where each starts; each word's messages,
 * ascending, one after another in one Int32Array, and where each word's run starts. At a million history
 * lines that is about 70 bytes a line (docs/performance.md, "Search"), and a prefix is a range of words
 * found by a binary search.
 */
export class SearchSegment {
  private constructor(
    /** The words, sorted by UTF-16 code units (as `<` and `Array.prototype.sort` compare), each followed by "\n". */
    private readonly text: string,
    /** Where word i starts in `text`; one more entry, the end. */
    private readonly wordStarts: Int32Array,
    /** Where word i's messages start in `postings`; one more entry, the end. */
    private readonly runStarts: Int32Array,
    private readonly postings: Int32Array,
  ) {}

  /**
   * From gathered messages: message i is `seqs[i]`, its words' numbers are `ids` from `ends[i - 1]` (0 for the
   * first) up to `ends[i]`, in any order and with repeats, and `numbers` says which words they are.
   */
  static fromMessages(numbers: WordNumbers, ids: Int32Array, seqs: Int32Array, ends: Int32Array): SearchSegment {
    const sorted = [...numbers.words].sort();
    const rank = new Int32Array(sorted.length);
    sorted.forEach((word, r) => (rank[numbers.numberOf(word, 0, word.length)] = r));
    const count = ends[seqs.length - 1] ?? 0;
    // A counting sort by word keeps each word's messages in the order they were added: ascending, but for edits.
    const runStarts = new Int32Array(sorted.length + 1);
    for (let k = 0; k < count; k++) {
      const r = (rank[ids[k] ?? 0] ?? 0) + 1;
      runStarts[r] = (runStarts[r] ?? 0) + 1;
    }
    for (let r = 0; r < sorted.length; r++) runStarts[r + 1] = (runStarts[r + 1] ?? 0) + (runStarts[r] ?? 0);
    const next = runStarts.slice(0, sorted.length);
    const postings = new Int32Array(count);
    for (let i = 0, k = 0; i < seqs.length; i++) {
      const seq = seqs[i] ?? 0;
      for (const end = ends[i] ?? 0; k < end; k++) {
        const r = rank[ids[k] ?? 0] ?? 0;
        const at = next[r] ?? 0;
        postings[at] = seq;
        next[r] = at + 1;
      }
    }
    return new SearchSegment(joined(sorted), starts(sorted), runStarts, tidy(postings, runStarts));
  }

  /** One segment with the words and messages of both. */
  static merge(a: SearchSegment, b: SearchSegment): SearchSegment {
    const words: string[] = [];
    const runStarts = new Int32Array(a.words + b.words + 1);
    const postings = new Int32Array(a.size + b.size);
    let i = 0;
    let j = 0;
    let end = 0;
    while (i < a.words || j < b.words) {
      const x = i < a.words ? a.word(i) : undefined;
      const y = j < b.words ? b.word(j) : undefined;
      const word = y === undefined || (x !== undefined && x <= y) ? (x ?? '') : y;
      end = mergeRuns(x === word ? a.run(i++) : EMPTY, y === word ? b.run(j++) : EMPTY, postings, end);
      words.push(word);
      runStarts[words.length] = end;
    }
    return new SearchSegment(joined(words), starts(words), runStarts.slice(0, words.length + 1), postings.slice(0, end));
  }

  get words(): number {
    return this.wordStarts.length - 1;
  }

  /** How many (word, message) pairs it holds. */
  get size(): number {
    return this.postings.length;
  }

  /** What its blocks take, roughly (a one-byte string: a byte a character). */
  get bytes(): number {
    return this.text.length + 4 * (this.wordStarts.length + this.runStarts.length + this.postings.length);
  }

  /**
   * Adds to `out` the messages of every word that starts with `prefix`: one ascending list a word, or, when
   * many words start with it (a short prefix of numbers), one list of them all, sorted here: a heap over a
   * hundred thousand lists cost more than the sort (docs/performance.md, "Search").
   */
  listsFor(prefix: string, out: Int32Array[]): void {
    const lo = this.lowerBound(prefix);
    // No word holds U+FFFF (not a letter nor a digit): every word with the prefix sorts below this.
    const hi = this.lowerBound(`${prefix}\uffff`);
    if (hi - lo <= MAX_SEPARATE_LISTS) {
      for (let i = lo; i < hi; i++) out.push(this.run(i));
      return;
    }
    const all = this.postings.slice(this.runStarts[lo], this.runStarts[hi]).sort();
    let end = 0;
    for (let k = 0; k < all.length; k++) if (k === 0 || all[k] !== all[k - 1]) all[end++] = all[k] ?? 0;
    out.push(all.subarray(0, end));
  }

  private word(i: number): string {
    return this.text.slice(this.wordStarts[i], (this.wordStarts[i + 1] ?? 0) - 1);
  }

  private run(i: number): Int32Array {
    return this.postings.subarray(this.runStarts[i], this.runStarts[i + 1]);
  }

  /** The first word not below `value`. */
  private lowerBound(value: string): number {
    let lo = 0;
    let hi = this.words;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.word(mid) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const EMPTY = new Int32Array(0);
/** More words than this with a prefix are answered as one list (listsFor). */
const MAX_SEPARATE_LISTS = 64;

const joined = (words: readonly string[]): string => (words.length === 0 ? '' : `${words.join('\n')}\n`);

function starts(words: readonly string[]): Int32Array {
  const out = new Int32Array(words.length + 1);
  for (let i = 0; i < words.length; i++) out[i + 1] = (out[i] ?? 0) + (words[i]?.length ?? 0) + 1;
  return out;
}

/**
 * Sorts each run that an edit put out of order and drops repeats (a word twice in a message, or in a message
 * and its edit), moving the runs down over the gaps; `runStarts` is updated in place.
 */
function tidy(postings: Int32Array, runStarts: Int32Array): Int32Array {
  let end = 0;
  for (let r = 0; r + 1 < runStarts.length; r++) {
    const run = postings.subarray(runStarts[r], runStarts[r + 1]);
    let sorted = true;
    for (let k = 1; k < run.length && sorted; k++) sorted = (run[k - 1] ?? 0) <= (run[k] ?? 0);
    if (!sorted) run.sort();
    runStarts[r] = end;
    for (let k = 0; k < run.length; k++) {
      const seq = run[k] ?? 0;
      if (k === 0 || seq !== run[k - 1]) postings[end++] = seq;
    }
  }
  runStarts[runStarts.length - 1] = end;
  return end === postings.length ? postings : postings.slice(0, end);
}

/** Writes the union of two ascending lists into `out` from `at`; returns where it ended. */
function mergeRuns(x: Int32Array, y: Int32Array, out: Int32Array, at: number): number {
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const a = i < x.length ? (x[i] ?? 0) : Infinity;
    const b = j < y.length ? (y[j] ?? 0) : Infinity;
    out[at++] = Math.min(a, b);
    if (a <= b) i++;
    if (b <= a) j++;
  }
  return at;
}
