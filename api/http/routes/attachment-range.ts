import type { Request } from 'express';
import { AppError } from '../../errors.js';
import type { ByteRange } from '../../store/store.js';

/**
 * The part of a file a GET asks for (RFC 9110, section 14): a phone's video player reads a long file piece by
 * piece and seeks. Parsed by Express's `req.range` (the range-parser library), never by hand. The whole file
 * (undefined) when there is no Range, when it is not a byte range we serve (malformed, another unit, several
 * ranges apart: the RFC lets a server ignore those), or when `If-Range` names other bytes than these.
 * Throws a 416 (with `Content-Range: bytes *\/size`) for a range that starts past the end.
 */
export function requestedRange(req: Request, size: number, etag: string): ByteRange | undefined {
  if (req.headers.range === undefined) return undefined;
  const ifRange = req.headers['if-range'];
  // Only a strong ETag match serves a range: a date, or another tag, gets the whole (current) file.
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) {
    throw new AppError('range_not_satisfiable', `the file has ${size} bytes: the range asked for starts after its end`, {
      headers: { 'Content-Range': `bytes */${size}` },
    });
  }
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  const [range] = ranges;
  return range && { start: range.start, end: range.end };
}
