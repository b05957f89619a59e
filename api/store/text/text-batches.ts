import type { WriteOp } from './journal.js';
import type { TextContext } from './text-context.js';

/** What writing a batch needs of the text store's context: the state in use, read again at each use. */
type BatchStore = Pick<TextContext, 'state'>;

/**
 * Submits one batch; once applied, the sequence numbers in it are committed (readable, and handed out in
 * cursors), before the promise resolves: the domain wakes the polls then (api/messaging/).
 */
export function commitBatch(store: BatchStore, ops: WriteOp[]): Promise<void> {
  const state = store.state;
  const highest = state.seq.assigned;
  return state.committer.submit(ops, () => {
    state.seq.committed = Math.max(state.seq.committed, highest);
  });
}

/** The next sequence number, for a record of the batch about to be submitted. */
export function nextSeq(store: BatchStore): number {
  return ++store.state.seq.assigned;
}
