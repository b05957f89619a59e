import type { HistoryRecord } from '../text/records.js';

/**
 * What the copy between the stores does not carry yet: blocks and the messages they withheld (issue #17),
 * edits, deletes, hides and replies (issue #18). Copied as plain messages these would come back wrong: a
 * withheld message would reach the person who blocked its sender, a deleted one would be readable again. So
 * a data set that holds any of them is refused before anything is written, as attachments are.
 */
export interface NotCarried {
  blocks: number;
  withheld: number;
  changes: number;
  replies: number;
}

export const nothingNotCarried = (): NotCarried => ({ blocks: 0, withheld: 0, changes: 0, replies: 0 });

/** Adds what `record` holds that the copy would lose. */
export function countNotCarried(record: HistoryRecord, into: NotCarried): void {
  if (record.kind === 'ed' || record.kind === 'del' || record.kind === 'hd') into.changes += 1;
  if (record.kind !== 'msg') return;
  if (record.withheld === true) into.withheld += 1;
  if (record.replyTo !== undefined) into.replies += 1;
}

/** One line naming what stops the copy, or undefined when nothing does. */
export function notCarriedReason(n: NotCarried, tool: 'migrate-data' | 'export-data'): string | undefined {
  const parts = [
    n.blocks > 0 ? `${n.blocks} block(s)` : '',
    n.withheld > 0 ? `${n.withheld} message(s) withheld by a block` : '',
    n.changes > 0 ? `${n.changes} edit, delete or hide record(s)` : '',
    n.replies > 0 ? `${n.replies} repl(ies)` : '',
  ].filter((p) => p !== '');
  if (parts.length === 0) return undefined;
  return `the data set holds ${parts.join(', ')}, which ${tool} does not copy yet; nothing was changed`;
}
