/**
 * How search reads text (issue #18), written once for the domain and both stores so they cannot disagree:
 * Unicode NFD, combining marks removed, lower case, then the runs of letters and digits. So "Olá" and "ola",
 * "AÇÃO" and "acao" are the same word: people type Portuguese on phones without accents.
 */
export function searchWords(text: string): string[] {
  return fold(text).match(WORD) ?? [];
}

/**
 * The words of `text`, as searchWords finds them, each handed to `visit` as a range of a string rather than a
 * string of its own, with its `wordHash`: the text store folds every message of a history as it loads (issue
 * #18), and most messages are plain ASCII, where NFD and marks change nothing and the letters and digits are
 * A-Z, a-z and 0-9, so the range is in `text` itself and needs only its A-Z lowered (`lowerAscii`), and one
 * pass finds the words and hashes them. Other text is folded first and its ranges are in the folded copy.
 * test/store/text-search-index.test.ts holds the two ways to the same words and hashes.
 */
export function eachWord(text: string, visit: (source: string, start: number, end: number, hash: number) => void): void {
  if (!ASCII.test(text)) {
    const folded = fold(text);
    for (const m of folded.matchAll(WORD)) visit(folded, m.index, m.index + m[0].length, wordHash(folded, m.index, m.index + m[0].length));
    return;
  }
  let start = -1;
  let hash = FNV_OFFSET;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 0;
    const c = code >= 65 && code <= 90 ? code + 32 : code;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      if (start < 0) {
        start = i;
        hash = FNV_OFFSET;
      }
      hash = Math.imul(hash ^ c, FNV_PRIME);
    } else if (start >= 0) {
      visit(text, start, i, hash);
      start = -1;
    }
  }
}

/** FNV-1a over the character codes of `source[start, end)`, A-Z lowered. */
export function wordHash(source: string, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ lowerAscii(source.charCodeAt(i)), FNV_PRIME);
  return hash;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** A character code lowered as toLowerCase lowers ASCII (A-Z only): what eachWord's ranges need. */
export const lowerAscii = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** The folded form of a text: NFD, without combining marks, lower case. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(MARKS, '').toLowerCase();
}

/** Whether every query word starts one of `text`'s words (the query words already folded). */
export function matchesAll(text: string, queryWords: readonly string[]): boolean {
  const words = searchWords(text);
  return queryWords.every((q) => words.some((w) => w.startsWith(q)));
}

const MARKS = /\p{M}+/gu;
const WORD = /[\p{L}\p{N}]+/gu;
const ASCII = /^\p{ASCII}*$/u;
