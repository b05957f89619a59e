/**
 * Property tests for every file codec (issue #6): any Unicode round-trips, one record is one line, and no
 * decoder throws on arbitrary input: it returns a typed failure instead.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, escapeField, splitFields } from '../../api/store/text/codec.js';
import { decodeJournal, decodeJournalFile, encodeJournal, type DataFileKey, type WriteOp } from '../../api/store/text/journal.js';
import { scanRecords } from '../../api/store/text/line-file.js';
import {
  decodeHistory,
  decodeQueue,
  decodeUser,
  encodeHistory,
  encodeQueue,
  encodeUser,
  type HistoryRecord,
  type QueueRecord,
} from '../../api/store/text/records.js';
import { decodeSession, encodeSessionLine, type SessionRecord } from '../../api/store/text/session-records.js';

const RUNS = process.env.PAPO_LONG ? 5000 : 300;

/** The characters the files must survive, mixed into any Unicode (well-formed: it is what UTF-8 can hold). */
const tricky = fc.constantFrom(';', '\n', '\r', '\\', '\0', '\u2028', '\u2029', '😀', '👩🏽‍💻', 'שלום', 'مرحبا', '\u200f', '\\;', '\\n', 'n');
const text = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), tricky), { maxLength: 12 })
  .map((parts) => parts.join(''));
const nonEmpty = text.filter((s) => s.length > 0);
const seq = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const iso = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const name = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{2,31}$/);

/** Decoding the bytes as the loader does: through UTF-8, without the LF. */
const viaDisk = (line: string) => Buffer.from(line).toString('utf8');

/** Whatever the input, a decoder answers; it never throws. */
function neverThrows(decode: (line: string) => unknown) {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      expect(() => decode(Buffer.from(bytes).toString('utf8'))).not.toThrow();
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(() => decode(s)).not.toThrow();
    }),
    { numRuns: RUNS },
  );
}

function oneLine(line: string) {
  expect(line.endsWith('\n')).toBe(true);
  expect(line.indexOf('\n')).toBe(line.length - 1);
}

describe('codec.ts: fields and checksummed records', () => {
  it('when any fields are escaped and split again, then they come back exactly', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 8 }), (fields) => {
        const joined = fields.map(escapeField).join(';');
        expect(joined).not.toMatch(/[\n\r\0]/);
        expect(splitFields(joined)).toEqual({ ok: true, fields });
      }),
      { numRuns: RUNS },
    );
  });

  it('when any fields are encoded as a record, then it is one line and decodes to the same fields after a trip through UTF-8', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 8 }), (fields) => {
        const line = encodeRecord(fields);
        oneLine(line);
        expect(decodeRecord(viaDisk(line).slice(0, -1))).toEqual({ ok: true, fields });
      }),
      { numRuns: RUNS },
    );
  });

  it('when n records are written, then the file has n lines and scans back to n records', () => {
    fc.assert(
      fc.property(fc.array(fc.array(text, { minLength: 1, maxLength: 4 }), { maxLength: 20 }), (records) => {
        const buf = Buffer.from(records.map(encodeRecord).join(''));
        expect(buf.toString().split('\n').length - 1).toBe(records.length);
        const loaded = scanRecords('f', buf, (l) => {
          const r = decodeRecord(l);
          return r.ok ? { ok: true, value: r.fields } : r;
        });
        expect(loaded.records.map((r) => r.value)).toEqual(records);
        expect(loaded.tornBytes).toBe(0);
        expect(loaded.damage).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('when a decoder gets arbitrary bytes, then it returns a typed answer and never throws', () => {
    neverThrows(splitFields);
    neverThrows(decodeRecord);
  });
});

describe('records.ts: users, queue and history lines', () => {
  it('when a user record round-trips, then it is unchanged and one line', () => {
    fc.assert(
      fc.property(name, nonEmpty, (username, passwordHash) => {
        const line = encodeUser({ username, passwordHash });
        oneLine(line);
        expect(decodeUser(viaDisk(line).slice(0, -1))).toEqual({ ok: true, value: { username, passwordHash } });
      }),
      { numRuns: RUNS },
    );
  });

  it('when a queue record round-trips, delivered or not, then it is unchanged, and the in-place flag flip keeps it valid', () => {
    const queue = fc.record({
      seq,
      from: name,
      to: name,
      content: text,
      sentAt: iso,
      delivered: fc.boolean(),
      clientId: fc.option(nonEmpty, { nil: undefined }),
    });
    fc.assert(
      fc.property(queue, (r: QueueRecord) => {
        const { line, flagOffset } = encodeQueue(r);
        oneLine(line);
        expect(decodeQueue(viaDisk(line).slice(0, -1))).toEqual({ ok: true, value: r });
        // The byte the queue rewrites in place is the flag, and flipping it is still a valid record.
        const bytes = Buffer.from(line);
        expect(String.fromCharCode(bytes[flagOffset] ?? 0)).toBe(r.delivered ? '1' : '0');
        bytes[flagOffset] = '1'.charCodeAt(0);
        expect(decodeQueue(bytes.toString().slice(0, -1))).toEqual({ ok: true, value: { ...r, delivered: true } });
      }),
      { numRuns: RUNS },
    );
  });

  it('when a history record of any kind round-trips, then it is unchanged and one line', () => {
    const history: fc.Arbitrary<HistoryRecord> = fc.oneof(
      fc.record({
        kind: fc.constant('msg' as const),
        seq,
        sentAt: iso,
        from: name,
        to: name,
        content: text,
        clientId: fc.option(nonEmpty, { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant('st' as const),
        seq,
        at: iso,
        messageSeq: seq,
        status: fc.constantFrom('delivered' as const, 'read' as const),
        peer: name,
      }),
      fc.record({ kind: fc.constant('rd' as const), seq, at: iso, peer: name, upTo: seq }),
    );
    fc.assert(
      fc.property(history, (r) => {
        const line = encodeHistory(r);
        oneLine(line);
        expect(decodeHistory(viaDisk(line).slice(0, -1))).toEqual({ ok: true, value: r });
      }),
      { numRuns: RUNS },
    );
  });

  it('when a record decoder gets arbitrary bytes, then it never throws', () => {
    neverThrows(decodeUser);
    neverThrows(decodeQueue);
    neverThrows(decodeHistory);
  });

  it('when a valid record has one byte changed, then the decoder refuses it (the checksum catches it)', () => {
    fc.assert(
      fc.property(name, name, text, seq, fc.nat(), fc.integer({ min: 1, max: 255 }), (from, to, content, s, at, xor) => {
        const line = encodeHistory({ kind: 'msg', seq: s, sentAt: '2026-01-01T00:00:00.000Z', from, to, content, clientId: undefined });
        const bytes = Buffer.from(line.slice(0, -1));
        const i = at % bytes.length;
        bytes[i] = (bytes[i] ?? 0) ^ xor;
        const decoded = decodeHistory(bytes.toString('utf8'));
        if (decoded.ok) expect(decoded.value).toMatchObject({ from, to, content, seq: s });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('journal.ts: the redo journal', () => {
  const op: fc.Arbitrary<WriteOp> = fc.oneof(
    fc.record({ kind: fc.constant('markDelivered' as const), seq }),
    fc.tuple(fc.constantFrom('q', 'u', 'h:maria', 'h:joao.2'), text, name).map(([file, content, peer]): WriteOp => ({
      kind: 'append',
      file: file as DataFileKey,
      line: encodeHistory({
        kind: 'msg',
        seq: 7,
        sentAt: '2026-01-01T00:00:00.000Z',
        from: peer,
        to: 'x' + peer,
        content,
        clientId: undefined,
      }),
    })),
  );

  it('when any batch is encoded, then it decodes to the same operations, with one line per operation plus the end line', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const text = encodeJournal(ops);
        expect(text.split('\n').length - 1).toBe(ops.length + 1);
        expect(decodeJournal(viaDisk(text))).toEqual(ops);
      }),
      { numRuns: RUNS },
    );
  });

  it('when a batch is cut at any byte, then it reads as no batch (it never committed)', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), fc.nat(), (ops, at) => {
        const bytes = Buffer.from(encodeJournal(ops));
        const cut = at % bytes.length; // strictly shorter than the whole batch
        expect(decodeJournal(bytes.subarray(0, cut).toString('utf8'))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('when the journal holds arbitrary bytes, then decoding never throws', () => {
    neverThrows(decodeJournal);
    neverThrows(decodeJournalFile);
    neverThrows((t) => decodeJournalFile(`gen;${t}`));
  });

  it('when a file with a generation header is cut at any byte, then it reads as no batch, or as its generation with no batch', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), fc.nat(1_000_000), fc.nat(), (ops, generation, at) => {
        const bytes = Buffer.from(`gen;${generation}\n${encodeJournal(ops)}`);
        const whole = decodeJournalFile(bytes.toString('utf8'));
        expect(whole).toEqual({ generation, ops });
        expect(decodeJournalFile(bytes.subarray(0, at % bytes.length).toString('utf8')).ops).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('session-records.ts: session records', () => {
  it('when a session record round-trips, then it is unchanged and one line', () => {
    const record: fc.Arbitrary<SessionRecord> = fc.oneof(
      fc.record({ kind: fc.constant('s' as const), key: fc.stringMatching(/^[0-9a-f]{64}$/), expires: fc.nat(), json: fc.json() }),
      fc.record({ kind: fc.constant('d' as const), key: fc.stringMatching(/^[0-9a-f]{64}$/) }),
    );
    fc.assert(
      fc.property(record, (r) => {
        const line = encodeSessionLine(r);
        oneLine(line);
        expect(decodeSession(viaDisk(line).slice(0, -1))).toEqual({ ok: true, value: r });
      }),
      { numRuns: RUNS },
    );
  });

  it('when a session line is arbitrary bytes, then decoding never throws', () => {
    neverThrows(decodeSession);
  });
});
