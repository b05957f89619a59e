import { blankRecord } from './history-scrub.js';
import type { HistoryIndex } from './history-index.js';
import type { LoadedRecord } from './line-file.js';
import type { HistoryRecord } from './records.js';

type Loaded = readonly LoadedRecord<HistoryRecord>[];

/**
 * Deleted messages whose text is still in `records`: a crash between a delete and the rewrite that blanks it
 * (issue #18). The text store scrubs them again (deleted-text-scrub.ts).
 */
export function deletedTextLeft(h: Pick<HistoryIndex, 'deleted'>, records: Loaded): number[] {
  const left = new Set<number>();
  for (const { value: r } of records) {
    const seq = r.kind === 'msg' ? r.seq : r.kind === 'ed' ? r.messageSeq : 0;
    if (h.deleted.has(seq) && blankRecord(r) !== r) left.add(seq);
  }
  return [...left];
}

/** Edited messages (not deleted) whose replaced text is still in `records`: a crash before the scrub ended. */
export function replacedTextLeft(h: Pick<HistoryIndex, 'deleted' | 'edits' | 'isLatestEdit'>, records: Loaded): number[] {
  const left = new Set<number>();
  for (const { value: r } of records) {
    if (r.kind === 'msg' && h.edits.has(r.seq) && !h.deleted.has(r.seq) && blankRecord(r, true) !== r) left.add(r.seq);
    if (r.kind === 'ed' && !h.deleted.has(r.messageSeq) && !h.isLatestEdit(r.messageSeq, r.seq) && blankRecord(r) !== r)
      left.add(r.messageSeq);
  }
  return [...left];
}
