import { parseSeq } from '../store.js';
import type { MessageAttachment } from '../attachment-repository.js';
import { decodeAttachments, encodeAttachments } from '../message-attachments-json.js';
import { decodeRecord, encodeRecord, type DecodeResult } from './codec.js';

/**
 * The record types of the data files and their line formats (docs/storage.md is the reference).
 * Decoders never throw: they return the record or a reason, so a loader can tell damage from data.
 */

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** A sequence number field as the files write it: the one rule of store.ts. */
export { parseSeq };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// --- usuarios.txt: `username;hash;crc` -----------------------------------------------------------------

export interface UserRecord {
  username: string;
  passwordHash: string;
}

export const encodeUser = (u: UserRecord): string => encodeRecord([u.username, u.passwordHash]);

export function decodeUser(line: string): Decoded<UserRecord> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const [username, passwordHash] = r.fields;
  if (r.fields.length !== 2 || !username || !passwordHash) return fail('expected username;hash');
  return { ok: true, value: { username, passwordHash } };
}

// --- mensagens.txt: `sender;receiver;content;timestamp;delivered;id;clientId;crc` -----------------------
// The old system's five fields first, in its order; `delivered` is one byte (0/1) rewritten in place when the
// recipient acknowledges, so the checksum is computed with that byte as `0`.

export interface QueueRecord {
  seq: number;
  from: string;
  to: string;
  content: string;
  sentAt: string;
  delivered: boolean;
  clientId: string | undefined;
}

/** A queue record with where its delivered flag sits in its line (bytes from the line's start). */
export interface QueueLine {
  record: QueueRecord;
  flagOffset: number;
}

export function encodeQueue(m: QueueRecord): { line: string; flagOffset: number } {
  const fields = [m.from, m.to, m.content, m.sentAt, '0', String(m.seq), m.clientId ?? ''];
  const line = encodeRecord(fields);
  const i = flagCharIndex(line);
  const flagOffset = Buffer.byteLength(line.slice(0, i));
  if (!m.delivered) return { line, flagOffset };
  return { line: line.slice(0, i) + '1' + line.slice(i + 1), flagOffset };
}

export function decodeQueue(line: string): Decoded<QueueRecord> {
  const d = decodeQueueLine(line);
  return d.ok ? { ok: true, value: d.value.record } : d;
}

/**
 * A queue line (without its LF) decoded, with the byte offset of its delivered flag inside the line: what the
 * queue needs to rewrite the flag in place, found while decoding rather than by encoding the record again.
 */
export function decodeQueueLine(line: string): Decoded<QueueLine> {
  const i = flagCharIndex(line);
  // The checksum covers the flag as `0`: only a line whose flag is set needs a copy with it cleared.
  const r: DecodeResult = decodeRecord(
    line,
    line[i] === '0' ? undefined : (body) => (i >= 0 && i < body.length ? body.slice(0, i) + '0' + body.slice(i + 1) : body),
  );
  if (!r.ok) return r;
  if (r.fields.length !== 7) return fail(`expected 7 fields, found ${r.fields.length}`);
  const [from, to, content, sentAt, flag, id, clientId] = r.fields as [string, string, string, string, string, string, string];
  const seq = parseSeq(id);
  if (!from || !to || seq === undefined || !ISO.test(sentAt) || (flag !== '0' && flag !== '1')) {
    return fail('bad field value');
  }
  const record: QueueRecord = { seq, from, to, content, sentAt, delivered: flag === '1', clientId: clientId || undefined };
  return { ok: true, value: { record, flagOffset: Buffer.byteLength(line.slice(0, i)) } };
}

/** Index (in UTF-16 units) of the delivered flag: right after the fourth unescaped `;`. */
function flagCharIndex(line: string): number {
  let seen = 0;
  for (let i = line.indexOf(';'); i >= 0; i = line.indexOf(';', i + 1)) {
    // Escaped when an odd run of backslashes comes right before it.
    let slashes = 0;
    while (line.charCodeAt(i - slashes - 1) === 0x5c /* \\ */) slashes++;
    if (slashes % 2 === 0 && ++seen === 4) return i + 1;
  }
  return -1;
}

// --- historico/history_{user}.txt: one record a line, tagged ---------------------------------------------
//   msg;seq;sentAt;from;to;content;clientId;crc     a message the user sent or received
//   msg;seq;sentAt;from;to;content;clientId;attachments;crc   one that carries files (issue #18): a JSON array
//                                                   (all spaces once the message is deleted for everyone)
//   wm;seq;sentAt;from;to;content;clientId;crc      a message the user sent that was withheld: the recipient
//                                                   had blocked them (issue #17); it stays "sent" forever
//   st;seq;at;messageSeq;delivered|read;peer;crc    a message the user sent reached that status
//   rd;seq;at;peer;upToSeq;crc                      the user read the conversation with peer up to upToSeq
//   ed;seq;at;messageSeq;content;crc                the sender edited messageSeq: its text is now content (issue #18)
//   del;seq;at;messageSeq;crc                       messageSeq was deleted for everyone (issue #18)
//   hd;seq;at;messageSeq;crc                        the user hid messageSeq in their own history (issue #18)
// A reply's msg record has an eighth field, the seq it answers; a msg without it is written as before.

export type HistoryRecord =
  | {
      kind: 'msg';
      seq: number;
      sentAt: string;
      from: string;
      to: string;
      content: string;
      clientId: string | undefined;
      attachments?: MessageAttachment[];
      /**
       * The attachments field blanked by the scrub of a message deleted for everyone (history-scrub.ts): its
       * width in spaces, kept so that the line keeps its length. Such a record has no `attachments`.
       */
      blankAttachments?: number;
      replyTo?: number;
      /** Withheld from the recipient, who had blocked the sender (issue #17): only in the sender's history. */
      withheld?: true;
    }
  | { kind: 'ed'; seq: number; at: string; messageSeq: number; content: string }
  | { kind: 'del' | 'hd'; seq: number; at: string; messageSeq: number }
  | { kind: 'st'; seq: number; at: string; messageSeq: number; status: 'delivered' | 'read'; peer: string }
  | { kind: 'rd'; seq: number; at: string; peer: string; upTo: number };

export type MessageRecord = Extract<HistoryRecord, { kind: 'msg' }>;

export function encodeHistory(r: HistoryRecord): string {
  switch (r.kind) {
    case 'msg': {
      const fields = [r.withheld ? 'wm' : 'msg', String(r.seq), r.sentAt, r.from, r.to, r.content, r.clientId ?? ''];
      const hasAttachments = r.attachments !== undefined && r.attachments.length > 0;
      const attachmentsField = hasAttachments ? encodeAttachments(r.attachments ?? []) : ' '.repeat(r.blankAttachments ?? 0);
      // A reply's seq is the ninth field, after the attachments' (empty when there are none).
      if (attachmentsField !== '' || r.replyTo !== undefined) fields.push(attachmentsField);
      if (r.replyTo !== undefined) fields.push(String(r.replyTo));
      return encodeRecord(fields);
    }
    case 'ed':
      return encodeRecord(['ed', String(r.seq), r.at, String(r.messageSeq), r.content]);
    case 'del':
    case 'hd':
      return encodeRecord([r.kind, String(r.seq), r.at, String(r.messageSeq)]);
    case 'st':
      return encodeRecord(['st', String(r.seq), r.at, String(r.messageSeq), r.status, r.peer]);
    case 'rd':
      return encodeRecord(['rd', String(r.seq), r.at, r.peer, String(r.upTo)]);
  }
}

export function decodeHistory(line: string): Decoded<HistoryRecord> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const f = r.fields;
  const seq = parseSeq(f[1] ?? '');
  const at = f[2] ?? '';
  if (seq === undefined || !ISO.test(at)) return fail('bad sequence number or time');
  if ((f[0] === 'msg' || f[0] === 'wm') && f.length >= 7 && f.length <= 9) {
    const [, , , from, to, content, clientId] = f as [string, string, string, string, string, string, string];
    if (!from || !to) return fail('missing sender or recipient');
    const value: HistoryRecord = { kind: 'msg', seq, sentAt: at, from, to, content, clientId: clientId || undefined };
    if (f[0] === 'wm') value.withheld = true;
    // The eighth field: attachments (empty in a reply that has none); the ninth: the seq a reply answers.
    if (/^ +$/.test(f[7] ?? '')) {
      // Blanked by the scrub of a message deleted for everyone: it carried files, whose names are gone.
      value.blankAttachments = (f[7] ?? '').length;
    } else if (f.length === 8 || (f.length === 9 && f[7] !== '')) {
      const attachments = decodeAttachments(f[7] ?? '');
      if (attachments === undefined) return fail('bad attachments');
      value.attachments = attachments;
    }
    if (f.length === 9) {
      const replyTo = parseSeq(f[8] ?? '');
      if (replyTo === undefined) return fail('bad reply field');
      value.replyTo = replyTo;
    }
    return { ok: true, value };
  }
  if (f[0] === 'ed' && f.length === 5) {
    const messageSeq = parseSeq(f[3] ?? '');
    if (messageSeq === undefined) return fail('bad edit record');
    return { ok: true, value: { kind: 'ed', seq, at, messageSeq, content: f[4] ?? '' } };
  }
  if ((f[0] === 'del' || f[0] === 'hd') && f.length === 4) {
    const messageSeq = parseSeq(f[3] ?? '');
    if (messageSeq === undefined) return fail('bad delete record');
    return { ok: true, value: { kind: f[0], seq, at, messageSeq } };
  }
  if (f[0] === 'st' && f.length === 6) {
    const messageSeq = parseSeq(f[3] ?? '');
    const status = f[4];
    const peer = f[5];
    if (messageSeq === undefined || (status !== 'delivered' && status !== 'read') || !peer) return fail('bad status record');
    return { ok: true, value: { kind: 'st', seq, at, messageSeq, status, peer } };
  }
  if (f[0] === 'rd' && f.length === 5) {
    const peer = f[3];
    const upTo = parseSeq(f[4] ?? '');
    if (!peer || upTo === undefined) return fail('bad read record');
    return { ok: true, value: { kind: 'rd', seq, at, peer, upTo } };
  }
  return fail(`unknown record type ${JSON.stringify(f[0])}`);
}
