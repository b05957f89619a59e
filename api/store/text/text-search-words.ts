import { wordHash } from '../search-words.js';

/**
 * The distinct words gathered for a search segment (issue #18), each with a number: an open-addressing
 * hash table over the words' characters, so a word met again (most are) costs a hash and a compare of the
 * characters where they are, with no string made for it. A Map would need a string for every occurrence:
 * at a million history lines that was 13 million strings, most of the load's time in the collector.
 */
export class WordNumbers {
  /** The words, by number. */
  readonly words: string[] = [];
  private hashes: Int32Array = new Int32Array(0);
  /** Word number + 1 in each slot, 0 for free; twice as many slots as words at least. */
  private slots: Int32Array = new Int32Array(0);

  /**
   * The number of the word `source[start, end)` with its A-Z lowered, whose `wordHash` is `hash` (search-words.ts,
   * eachWord).
   */
  numberOf(source: string, start: number, end: number, hash = wordHash(source, start, end)): number {
    if (2 * (this.words.length + 1) > this.slots.length) this.grow();
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const taken = this.slots[slot] ?? 0;
      if (taken === 0) {
        const n = this.words.length;
        this.words.push(source.slice(start, end).toLowerCase());
        this.hashes = ensure(this.hashes, n + 1);
        this.hashes[n] = hash;
        this.slots[slot] = n + 1;
        return n;
      }
      if (this.hashes[taken - 1] === hash && same(this.words[taken - 1] ?? '', source, start, end)) return taken - 1;
    }
  }

  private grow(): void {
    const slots = new Int32Array(Math.max(1024, 2 * this.slots.length));
    const mask = slots.length - 1;
    for (let n = 0; n < this.words.length; n++) {
      let slot = (this.hashes[n] ?? 0) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = n + 1;
    }
    this.slots = slots;
  }
}

function same(word: string, source: string, start: number, end: number): boolean {
  if (word.length !== end - start) return false;
  for (let i = 0; i < word.length; i++) {
    // search-words.ts lowerAscii, written out: a call a character through a module binding cost a third of the load.
    const c = source.charCodeAt(start + i);
    if (word.charCodeAt(i) !== (c >= 65 && c <= 90 ? c + 32 : c)) return false;
  }
  return true;
}

/** `array`, or a copy twice as long when it has fewer than `length` places. */
export function ensure(array: Int32Array, length: number): Int32Array {
  if (length <= array.length) return array;
  const bigger = new Int32Array(Math.max(256, 2 * array.length, length));
  bigger.set(array);
  return bigger;
}
