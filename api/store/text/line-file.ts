import { promises as fsp } from 'node:fs';
import type { Logger } from '../../logger.js';
import { nodeDisk, type Disk } from './disk.js';
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
  /** Where the line is (bytes from the file's start, and its length with the LF): a history shows a placeholder there. */
  offset: number;
  length: number;
}

/** What a scan found besides the records. */
export interface ScanReport {
  /** Bytes after the last good record that were dropped (torn tail). */
  tornBytes: number;
  /** Bad lines with good lines after them. */
  damage: Damage[];
  /** Where the good data ends: the file is truncated here before anything is appended. */
  validEnd: number;
}

export interface LoadedFile<T> extends ScanReport {
  records: LoadedRecord<T>[];
}

type Visit<T> = (value: T, offset: number, length: number) => void;

/**
 * Decodes the lines of a file fed to it in consecutive pieces, handing each record to `visit` as it goes:
 * a big file (a million queued messages) is indexed without holding it, or its decoded records, whole.
 */
class RecordScanner<T> {
  private readonly pendingBad: Damage[] = [];
  private readonly damage: Damage[] = [];
  private line = 0;
  private validEnd = 0;

  constructor(
    private readonly file: string,
    private readonly decode: (line: string) => Decoded<T>,
    private readonly visit: Visit<T>,
  ) {}

  /** Scans the complete lines of `buf`, which holds the file from byte `at`; returns the bytes it used. */
  scan(buf: Buffer, at: number): number {
    let pos = 0;
    for (let nl = buf.indexOf(0x0a, pos); nl >= 0; nl = buf.indexOf(0x0a, pos)) {
      this.line++;
      const decoded = this.decode(buf.toString('utf8', pos, nl));
      if (decoded.ok) {
        if (this.pendingBad.length > 0) this.damage.push(...this.pendingBad.splice(0));
        this.visit(decoded.value, at + pos, nl + 1 - pos);
        this.validEnd = at + nl + 1;
      } else {
        this.pendingBad.push({ file: this.file, line: this.line, reason: decoded.reason, offset: at + pos, length: nl + 1 - pos });
      }
      pos = nl + 1;
    }
    return pos;
  }

  /** The report once the whole file (`size` bytes) was scanned: what follows the last good record is torn. */
  report(size: number): ScanReport {
    return { tornBytes: size - this.validEnd, damage: this.damage, validEnd: this.validEnd };
  }
}

export function scanRecords<T>(file: string, buf: Buffer, decode: (line: string) => Decoded<T>): LoadedFile<T> {
  const records: LoadedRecord<T>[] = [];
  const scanner = new RecordScanner(file, decode, (value: T, offset, length) => records.push({ value, offset, length }));
  scanner.scan(buf, 0);
  return { records, ...scanner.report(buf.length) };
}

/** Bytes read at a time when loading a file. */
const CHUNK = 1024 * 1024;

/**
 * Reads a record file piece by piece, hands every record to `visit`, and cuts a torn tail off it, so appends
 * continue after the last good record. A missing file is an empty one.
 */
export async function visitRecordFile<T>(
  path: string,
  decode: (line: string) => Decoded<T>,
  visit: Visit<T>,
  disk: Disk = nodeDisk,
): Promise<ScanReport> {
  const handle = await fsp.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!handle) return { tornBytes: 0, damage: [], validEnd: 0 };
  const scanner = new RecordScanner(path, decode, visit);
  let size = 0;
  try {
    // Sized to the file when it is smaller than a piece: a user's first poll loads their history this way.
    let buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, (await handle.stat()).size)));
    let kept = 0; // bytes of an unfinished line carried over from the previous read
    for (;;) {
      if (kept === buf.length) buf = Buffer.concat([buf], buf.length * 2); // a line longer than the buffer
      const { bytesRead } = await handle.read(buf, kept, buf.length - kept, size);
      if (bytesRead === 0) break;
      const filled = kept + bytesRead;
      const used = scanner.scan(buf.subarray(0, filled), size - kept);
      size += bytesRead;
      kept = filled - used;
      buf.copy(buf, 0, used, filled);
    }
  } finally {
    await handle.close();
  }
  const report = scanner.report(size);
  if (report.tornBytes > 0) await disk.truncate(path, report.validEnd);
  return report;
}

/** Loads a whole record file, cutting a torn tail off it (`visitRecordFile`, for files small enough to hold). */
export async function loadRecordFile<T>(path: string, decode: (line: string) => Decoded<T>, disk: Disk = nodeDisk): Promise<LoadedFile<T>> {
  const records: LoadedRecord<T>[] = [];
  const report = await visitRecordFile(path, decode, (value: T, offset, length) => records.push({ value, offset, length }), disk);
  return { records, ...report };
}

/** Logs what a load dropped: a torn tail (an unfinished write) and each damaged line skipped. */
export function reportLoad(log: Logger, file: string, loaded: Pick<ScanReport, 'tornBytes' | 'damage'>): void {
  if (loaded.tornBytes > 0) log.warn({ file, droppedBytes: loaded.tornBytes }, 'dropped a torn tail (an unfinished write)');
  for (const d of loaded.damage) log.error({ file: d.file, line: d.line, reason: d.reason }, 'damaged record skipped');
}
