import type { DiskFile } from './disk.js';
import type { RecordRef } from './history-index.js';
import { decodeHistory, type HistoryRecord } from './records.js';

/** Reading a page as one range is cheaper than one read per record, unless the records are far apart. */
const MAX_RANGE_READ = 256 * 1024;

/**
 * `refs` (ascending) cut into runs that `readRange` reads with one read each: a run spans at most
 * MAX_RANGE_READ bytes of the file, or is one record.
 */
export function readSpans(refs: readonly RecordRef[]): RecordRef[][] {
  const spans: RecordRef[][] = [];
  let span: RecordRef[] = [];
  for (const ref of refs) {
    const first = span[0];
    if (first && ref.offset + ref.length - first.offset > MAX_RANGE_READ) {
      spans.push(span);
      span = [];
    }
    span.push(ref);
  }
  if (span.length > 0) spans.push(span);
  return spans;
}

/**
 * The records at `refs` (ascending) that are in the history file `file` opens, with one read when they sit
 * close together; a damaged line is skipped.
 */
export async function readRange(file: () => Promise<DiskFile>, refs: readonly RecordRef[]): Promise<HistoryRecord[]> {
  const first = refs[0];
  const last = refs.at(-1);
  if (!first || !last) return [];
  if (last.offset + last.length - first.offset > MAX_RANGE_READ && refs.length > 1) {
    return (await Promise.all(refs.map((r) => readRange(file, [r])))).flat();
  }
  const length = last.offset + last.length - first.offset;
  const buf = Buffer.alloc(length);
  await (await file()).read(buf, 0, length, first.offset);
  const wanted = new Set(refs.map((r) => r.seq));
  const out: HistoryRecord[] = [];
  for (const line of buf.toString('utf8').split('\n')) {
    if (line === '') continue;
    const d = decodeHistory(line);
    if (d.ok && wanted.has(d.value.seq)) out.push(d.value);
  }
  return out;
}
