import { decodeRecord, encodeRecord } from './codec.js';
import type { Decoded } from './records.js';

/**
 * sessions.txt (session-file.ts; docs/storage.md is the reference), one record a line, keyed by the SHA-256 of
 * the session id, never the id itself (a copy of the data folder does not log anyone in):
 *
 *   s;<sha256(sid)>;<expires ms>;<session JSON>;crc     the session now holds this
 *   d;<sha256(sid)>;crc                                 the session was destroyed
 */

export type SessionRecord = { kind: 's'; key: string; expires: number; json: string } | { kind: 'd'; key: string };

export function encodeSessionLine(r: SessionRecord): string {
  return r.kind === 'd' ? encodeRecord(['d', r.key]) : encodeRecord(['s', r.key, String(r.expires), r.json]);
}

export function decodeSession(line: string): Decoded<SessionRecord> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const [kind, key, expires, json] = r.fields;
  if (kind === 'd' && key && r.fields.length === 2) return { ok: true, value: { kind, key } };
  if (kind === 's' && key && json !== undefined && /^\d+$/.test(expires ?? '')) {
    return { ok: true, value: { kind, key, expires: Number(expires), json } };
  }
  return { ok: false, reason: 'not a session record' };
}
