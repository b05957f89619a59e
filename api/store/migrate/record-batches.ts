import { createReadStream } from 'node:fs';
import type { Decoded } from '../text/records.js';

/** A damaged line in a file being copied: the copy stops rather than leave the record behind unseen. */
export class DamagedRecordError extends Error {
  override name = 'DamagedRecordError';
}

export interface RecordBatch<T> {
  records: T[];
  /** Bytes of the file these records took, LF included (for the progress bar). */
  bytes: number;
}

/**
 * The records of a line file, decoded with its codec, `size` at a time, read a piece at a time: a history of
 * millions of lines is copied without holding it (or its records) whole. The text store opened the folder
 * first, so a torn tail is already cut; any line that does not decode is damage, and stops the copy with its
 * file and line: copied without it, a delete or a block could be lost without a word. A missing file is empty.
 */
export async function* recordBatches<T>(file: string, decode: (line: string) => Decoded<T>, size: number): AsyncGenerator<RecordBatch<T>> {
  let records: T[] = [];
  let bytes = 0;
  let line = 0;
  let kept: Buffer = Buffer.alloc(0);
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      const buf = kept.length === 0 ? piece : Buffer.concat([kept, piece]);
      let pos = 0;
      for (let nl = buf.indexOf(0x0a, pos); nl >= 0; nl = buf.indexOf(0x0a, pos)) {
        line++;
        const decoded = decode(buf.toString('utf8', pos, nl));
        if (!decoded.ok)
          throw new DamagedRecordError(`${file} line ${line} is damaged (${decoded.reason}): repair or remove it, then copy again`);
        records.push(decoded.value);
        bytes += nl + 1 - pos;
        pos = nl + 1;
        if (records.length >= size) {
          yield { records, bytes };
          records = [];
          bytes = 0;
        }
      }
      kept = buf.subarray(pos);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  } finally {
    stream.destroy();
  }
  if (kept.length > 0) throw new DamagedRecordError(`${file} ends in an unfinished line: open it with the server once, then copy again`);
  if (records.length > 0) yield { records, bytes };
}
