import { crc32 } from 'node:zlib';

/**
 * The field codec shared by every data file: records are lines of `;`-separated fields, so `\`, `;`, LF, CR
 * and NUL inside a field are escaped (`\\`, `\;`, `\n`, `\r`, `\0`). Everything else, including U+2028 and
 * right-to-left text, is written as it is: the files stay readable with `cat`, and only LF ends a record.
 *
 * Each record ends with a CRC-32 of the rest of the line, so a torn or damaged line is never mistaken for a
 * record (docs/storage.md).
 */

export type DecodeResult = { ok: true; fields: string[] } | { ok: false; reason: string };

export function escapeField(value: string): string {
  // Fast path: most fields need no escaping at all.
  if (!/[\\;\n\r\0]/.test(value)) return value;
  return value.replace(/[\\;\n\r\0]/g, (ch) => ESCAPES[ch] ?? ch);
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', ';': '\\;', '\n': '\\n', '\r': '\\r', '\0': '\\0' };
const UNESCAPES: Record<string, string> = { '\\': '\\', ';': ';', n: '\n', r: '\r', '0': '\0' };

/** Splits a line (without its LF) into unescaped fields. Never throws: bad input is a typed failure. */
export function splitFields(line: string): DecodeResult {
  const fields: string[] = [];
  let current = '';
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (ch === 0x5c /* \ */) {
      const next = line[i + 1];
      const plain = next === undefined ? undefined : UNESCAPES[next];
      if (plain === undefined) return { ok: false, reason: `bad escape at column ${i + 1}` };
      current += line.slice(start, i) + plain;
      i++;
      start = i + 1;
    } else if (ch === 0x3b /* ; */) {
      fields.push(current + line.slice(start, i));
      current = '';
      start = i + 1;
    } else if (ch === 0x0a || ch === 0x0d || ch === 0) {
      return { ok: false, reason: `raw control character at column ${i + 1}` };
    }
  }
  fields.push(current + line.slice(start));
  return { ok: true, fields };
}

export function checksum(text: string): string {
  return crc32(text).toString(16).padStart(8, '0');
}

/** Joins escaped fields and appends the checksum field and the LF. */
export function encodeRecord(fields: readonly string[]): string {
  const body = fields.map(escapeField).join(';');
  return `${body};${checksum(body)}\n`;
}

/**
 * Decodes a checksummed record line (without its LF). `normalize` lets a file exclude a byte it rewrites in
 * place from the checksum (the queue's delivered flag).
 */
export function decodeRecord(line: string, normalize?: (body: string) => string): DecodeResult {
  const cut = line.lastIndexOf(';');
  if (cut < 0) return { ok: false, reason: 'no checksum field' };
  const body = line.slice(0, cut);
  const sum = line.slice(cut + 1);
  if (sum !== checksum(normalize ? normalize(body) : body)) return { ok: false, reason: 'checksum mismatch' };
  return splitFields(body);
}
