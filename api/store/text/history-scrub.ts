import { encodeAttachments } from '../message-attachments-json.js';
import { escapeField } from './codec.js';
import { decodeHistory, encodeHistory, type HistoryRecord } from './records.js';

/**
 * "Deleted means gone" on the text files (issue #18): the text of a message deleted for everyone, and of each
 * of its edits, and the message's attachments field (its files' names), is overwritten by spaces in the lines
 * that held it. Spaces need no escaping, so a blanked line has the same bytes as before everywhere but in
 * those fields and its checksum: its length does not change, and neither does any offset the in-memory
 * indexes hold. The `del` record says the message is deleted; the blank fields are only what is left of it.
 */

/**
 * The same for the text an edit replaced (issue #18: Papo keeps no edit history): the `msg` line's text and
 * every `ed` line's but the latest are blanked, and the `msg` line keeps its attachments (`keepAttachments`),
 * its reply link, id and time: only its words were replaced.
 */

/** Where a line to blank is, and whether its attachments stay (an edited message's) or go (a deleted one's). */
export interface BlankRef {
  offset: number;
  length: number;
  keepAttachments?: boolean;
}

/**
 * The record with its text (and, on a `msg`, its attachments field: the files' names, types, sizes and ids,
 * unless `keepAttachments`) replaced by as many spaces as the escaped field took; the record itself when
 * already so.
 */
export function blankRecord<T extends HistoryRecord>(record: T, keepAttachments = false): T {
  if (record.kind !== 'msg' && record.kind !== 'ed') return record;
  const blank = ' '.repeat(Buffer.byteLength(escapeField(record.content)));
  const files = !keepAttachments && record.kind === 'msg' && record.attachments !== undefined && record.attachments.length > 0;
  if (record.content === blank && !files) return record;
  if (record.kind !== 'msg' || !files) return { ...record, content: blank };
  const { attachments, ...rest } = record;
  const width = Buffer.byteLength(escapeField(encodeAttachments(attachments ?? [])));
  return { ...rest, content: blank, blankAttachments: width } as T;
}

/** Blanks the lines at `refs` inside `buf` (a whole history file), in place; returns how many changed. */
export function blankLines(buf: Buffer, refs: readonly BlankRef[]): number {
  let changed = 0;
  for (const ref of refs) {
    const line = buf.toString('utf8', ref.offset, ref.offset + ref.length - 1);
    const d = decodeHistory(line);
    if (!d.ok) continue;
    const blanked = blankRecord(d.value, ref.keepAttachments);
    if (blanked === d.value) continue;
    const out = Buffer.from(encodeHistory(blanked));
    // The same length (with its LF) by construction; anything else would shift every record after it.
    if (out.length !== ref.length) throw new Error(`a blanked history line changed length at offset ${ref.offset}`);
    out.copy(buf, ref.offset);
    changed++;
  }
  return changed;
}
