/**
 * How search reads text (issue #18), written once for the domain and both stores so they cannot disagree:
 * Unicode NFD, combining marks removed, lower case, then the runs of letters and digits. So "Olá" and "ola",
 * "AÇÃO" and "acao" are the same word: people type Portuguese on phones without accents.
 */
export function searchWords(text: string): string[] {
  return fold(text).match(WORD) ?? [];
}

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
