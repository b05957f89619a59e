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
const RAW_CONTROL = /[\n\r\0]/;

/**
 * Splits a line (without its LF) into unescaped fields. Never throws: bad input is a typed failure. It jumps
 * from one `;` or `\\` to the next with indexOf rather than looking at every character: loading a million
 * queued messages at start is mostly this (issue #4).
 */
export function splitFields(line: string): DecodeResult {
  const raw = RAW_CONTROL.exec(line);
  if (raw) return { ok: false, reason: `raw control character at column ${raw.index + 1}` };
  const fields: string[] = [];
  let current = ''; // the unescaped part of the field so far, before `start`
  let start = 0;
  let sep = line.indexOf(';');
  let esc = line.indexOf('\\');
  for (;;) {
    if (esc >= 0 && (sep < 0 || esc < sep)) {
      const next = line[esc + 1];
      const plain = next === undefined ? undefined : UNESCAPES[next];
      if (plain === undefined) return { ok: false, reason: `bad escape at column ${esc + 1}` };
      current += line.slice(start, esc) + plain;
      start = esc + 2;
      esc = line.indexOf('\\', start);
      if (sep >= 0 && sep < start) sep = line.indexOf(';', start); // that `;` was escaped
    } else if (sep >= 0) {
      fields.push(current + line.slice(start, sep));
      current = '';
      start = sep + 1;
      sep = line.indexOf(';', start);
    } else {
      fields.push(current + line.slice(start));
      return { ok: true, fields };
    }
  }
}

/** Two hex digits per byte value: formatting a checksum this way costs a tenth of toString(16) + padStart. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function checksum(text: string): string {
  const c = crc32(text);
  return `${HEX[c >>> 24]}${HEX[(c >>> 16) & 0xff]}${HEX[(c >>> 8) & 0xff]}${HEX[c & 0xff]}`;
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
