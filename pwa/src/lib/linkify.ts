/** A piece of a message's text: as typed, or a web address to show as a link. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// http(s) only: a javascript:, data: or file: address in a message stays plain text (issue #19, item 7).
const ADDRESS = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that ends a sentence is not part of the address ("see https://x.org.").
const TRAILING = /[.,;:!?'’”)\]]+$/;

/**
 * Splits a message into text and web addresses. Nothing here makes HTML: the parts become text nodes and
 * `<a href>` elements, so whatever the message holds is shown as typed.
 */
export function linkify(content: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of content.matchAll(ADDRESS)) {
    let address = match[0];
    let trailing = TRAILING.exec(address)?.[0] ?? '';
    // A closing parenthesis belongs to the address when it closes one the address opened (Wikipedia's links).
    while (
      trailing.startsWith(')') &&
      count(address.slice(0, address.length - trailing.length), '(') > count(address.slice(0, address.length - trailing.length), ')')
    ) {
      trailing = trailing.slice(1);
    }
    address = address.slice(0, address.length - trailing.length);
    const href = safeHref(address);
    if (href === undefined) continue;
    const start = match.index;
    if (start > at) parts.push({ kind: 'text', text: content.slice(at, start) });
    parts.push({ kind: 'link', text: address, href });
    at = start + address.length;
  }
  if (at < content.length) parts.push({ kind: 'text', text: content.slice(at) });
  return parts;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function safeHref(address: string): string | undefined {
  try {
    const url = new URL(address);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
