/**
 * Search as the server reads text (api/store/search-words.ts): NFD, marks removed, lower case, runs of letters
 * and digits. Here it finds which words of a message a query matched, to mark them in the results.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

export function queryWords(query: string): string[] {
  return foldText(query).match(/[\p{L}\p{N}]+/gu) ?? [];
}

export interface TextPart {
  text: string;
  match: boolean;
}

/** `text` cut into parts, the words that start with one of `words` (already folded) marked. */
export function highlightParts(text: string, words: readonly string[]): TextPart[] {
  const parts: TextPart[] = [];
  let plain = '';
  for (const piece of text.split(/([\p{L}\p{M}\p{N}]+)/u)) {
    const folded = foldText(piece);
    if (folded !== '' && /[\p{L}\p{N}]/u.test(folded) && words.some((w) => folded.startsWith(w))) {
      if (plain) parts.push({ text: plain, match: false });
      plain = '';
      parts.push({ text: piece, match: true });
    } else plain += piece;
  }
  if (plain) parts.push({ text: plain, match: false });
  return parts;
}
