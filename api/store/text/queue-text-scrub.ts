import { escapeField } from './codec.js';
import { decodeQueueLine, encodeQueue } from './records.js';

const LF = 0x0a;

/**
 * Blanks, in place, the text of the mensagens.txt lines whose delivered flag is at `flagAts` inside `buf` (the
 * whole file), the way history-scrub.ts blanks history lines: spaces need no escaping, so the line keeps its
 * length and only its text and checksum change. Returns how many lines changed.
 */
export function blankQueueLines(buf: Buffer, flagAts: readonly number[]): number {
  let changed = 0;
  for (const flagAt of flagAts) {
    const start = buf.lastIndexOf(LF, flagAt) + 1;
    const end = buf.indexOf(LF, flagAt) + 1;
    if (flagAt < 0 || flagAt >= buf.length || end === 0) continue;
    const d = decodeQueueLine(buf.toString('utf8', start, end - 1));
    if (!d.ok) continue;
    const { record } = d.value;
    const blank = ' '.repeat(Buffer.byteLength(escapeField(record.content)));
    if (record.content === blank) continue;
    const out = Buffer.from(encodeQueue({ ...record, content: blank }).line);
    if (out.length !== end - start) throw new Error(`a blanked queue line changed length at offset ${start}`);
    out.copy(buf, start);
    changed++;
  }
  return changed;
}
