import { escapeField } from './codec.js';
import { decodeHistory, encodeHistory, type HistoryRecord } from './records.js';

/**
 * "Deleted means gone" on the text files (issue #18): the text of a message deleted for everyone, and of each
 * of its edits, is overwritten by spaces in the lines that held it. Spaces need no escaping, so a blanked
 * line has the same bytes as before everywhere but in its text and checksum: its length does not change, and
 * neither does any offset the in-memory indexes hold. The `del` record says the message is deleted; the
 * blank text is only what is left of it.
 */

/** The record with its text replaced by as many spaces as its escaped text took; undefined when already so. */
export function blankRecord<T extends HistoryRecord>(record: T): T {
  if (record.kind !== 'msg' && record.kind !== 'ed') return record;
  const blank = ' '.repeat(Buffer.byteLength(escapeField(record.content)));
  return record.content === blank ? record : { ...record, content: blank };
}

/** Blanks the lines at `refs` inside `buf` (a whole history file), in place; returns how many changed. */
export function blankLines(buf: Buffer, refs: readonly { offset: number; length: number }[]): number {
  let changed = 0;
  for (const ref of refs) {
    const line = buf.toString('utf8', ref.offset, ref.offset + ref.length - 1);
    const d = decodeHistory(line);
    if (!d.ok) continue;
    const blanked = blankRecord(d.value);
    if (blanked === d.value) continue;
    const out = Buffer.from(encodeHistory(blanked));
    // The same length (with its LF) by construction; anything else would shift every record after it.
    if (out.length !== ref.length) throw new Error(`a blanked history line changed length at offset ${ref.offset}`);
    out.copy(buf, ref.offset);
    changed++;
  }
  return changed;
}
