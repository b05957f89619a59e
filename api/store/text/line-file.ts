import { promises as fsp } from 'node:fs';
import type { Decoded } from './records.js';

/**
 * Loading a record file: every complete line is decoded; what cannot be decoded is either the torn tail of
 * an interrupted write (only bad lines, or an unterminated one, up to the end: dropped, it was never
 * acknowledged) or damage in the middle (a bad line with good ones after it: reported with file and line,
 * never silently skipped).
 */

export interface LoadedRecord<T> {
  value: T;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** Length in bytes, LF included. */
  length: number;
}

export interface Damage {
  file: string;
  line: number;
  reason: string;
}

export interface LoadedFile<T> {
  records: LoadedRecord<T>[];
  /** Bytes after the last good record that were dropped (torn tail). */
  tornBytes: number;
  /** Bad lines with good lines after them. */
  damage: Damage[];
  /** Where the good data ends: the file is truncated here before anything is appended. */
  validEnd: number;
}

export function scanRecords<T>(file: string, buf: Buffer, decode: (line: string) => Decoded<T>): LoadedFile<T> {
  const records: LoadedRecord<T>[] = [];
  const pendingBad: Damage[] = [];
  const damage: Damage[] = [];
  let pos = 0;
  let line = 0;
  let validEnd = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break; // unterminated: torn tail
    line++;
    const decoded = decode(buf.toString('utf8', pos, nl));
    if (decoded.ok) {
      damage.push(...pendingBad.splice(0));
      records.push({ value: decoded.value, offset: pos, length: nl + 1 - pos });
      validEnd = nl + 1;
    } else {
      pendingBad.push({ file, line, reason: decoded.reason });
    }
    pos = nl + 1;
  }
  return { records, tornBytes: buf.length - validEnd, damage, validEnd };
}

/** Reads a whole file, or an empty buffer when it does not exist. */
export async function readFileOrEmpty(path: string): Promise<Buffer> {
  try {
    return await fsp.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}

/** Loads a record file and cuts a torn tail off it, so appends continue after the last good record. */
export async function loadRecordFile<T>(path: string, decode: (line: string) => Decoded<T>): Promise<LoadedFile<T>> {
  const buf = await readFileOrEmpty(path);
  const loaded = scanRecords(path, buf, decode);
  if (loaded.tornBytes > 0) {
    await fsp.truncate(path, loaded.validEnd);
  }
  return loaded;
}
