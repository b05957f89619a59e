import { describe, expect, it } from 'vitest';
import { countNotCarried, nothingNotCarried, notCarriedReason } from '../../api/store/migrate/not-carried.js';
import type { HistoryRecord } from '../../api/store/text/records.js';

const msg = (extra: Partial<Extract<HistoryRecord, { kind: 'msg' }>> = {}): HistoryRecord => ({
  kind: 'msg',
  seq: 1,
  sentAt: '2026-12-07T00:00:00.000Z',
  from: 'ana',
  to: 'beto',
  content: 'oi',
  clientId: undefined,
  ...extra,
});

describe('what the copy between the stores does not carry', () => {
  it('when a history holds only messages, receipts and read marks, then nothing stops the copy', () => {
    const n = nothingNotCarried();
    countNotCarried(msg(), n);
    countNotCarried({ kind: 'st', seq: 2, at: '2026-12-07T00:00:00.000Z', messageSeq: 1, status: 'read', peer: 'beto' }, n);
    countNotCarried({ kind: 'rd', seq: 3, at: '2026-12-07T00:00:00.000Z', peer: 'beto', upTo: 1 }, n);
    expect(notCarriedReason(n, 'migrate-data')).toBeUndefined();
  });

  it('when a history holds a withheld message, an edit, a delete, a hide and a reply, then the copy is refused naming each', () => {
    const n = nothingNotCarried();
    countNotCarried(msg({ withheld: true }), n);
    countNotCarried(msg({ replyTo: 1 }), n);
    countNotCarried({ kind: 'ed', seq: 4, at: '2026-12-07T00:00:00.000Z', messageSeq: 1, content: 'oi!' }, n);
    countNotCarried({ kind: 'del', seq: 5, at: '2026-12-07T00:00:00.000Z', messageSeq: 1 }, n);
    countNotCarried({ kind: 'hd', seq: 6, at: '2026-12-07T00:00:00.000Z', messageSeq: 1 }, n);
    expect(n).toEqual({ blocks: 0, withheld: 1, changes: 3, replies: 1 });
    expect(notCarriedReason({ ...n, blocks: 2 }, 'export-data')).toBe(
      'the data set holds 2 block(s), 1 message(s) withheld by a block, 3 edit, delete or hide record(s), 1 repl(ies), which export-data does not copy yet; nothing was changed',
    );
  });
});
