import type { AttachmentClaim, StoredAttachment } from '../attachment-repository.js';
import { decodeRecord, encodeRecord } from './codec.js';
import type { Decoded } from './records.js';

/**
 * anexos.txt (issue #18; docs/storage.md is the reference), one record a line:
 *
 *   up;id;uploadedAt;uploader;sha256;size;type;width;height;thumbSha256;name;crc   an upload
 *   use;id;at;to;clientId;crc                                                      a send carries it
 *
 * A removed attachment leaves no record: the file is rewritten without it (AttachmentFiles.remove).
 */

export type AttachmentRecord = { kind: 'up'; attachment: StoredAttachment } | { kind: 'use'; id: string; claim: AttachmentClaim };

const ID = /^[A-Za-z0-9_-]{22}$/;
const SHA = /^[0-9a-f]{64}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const COUNT = /^(0|[1-9][0-9]{0,14})$/;

export function encodeAttachmentRecord(r: AttachmentRecord): string {
  if (r.kind === 'use') return encodeRecord(['use', r.id, r.claim.at, r.claim.to, r.claim.clientId ?? '']);
  const a = r.attachment;
  return encodeRecord([
    'up',
    a.id,
    a.uploadedAt,
    a.uploader,
    a.sha256,
    String(a.size),
    a.type,
    a.width === undefined ? '' : String(a.width),
    a.height === undefined ? '' : String(a.height),
    a.thumbnailSha256 ?? '',
    a.name,
  ]);
}

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

export function decodeAttachmentRecord(line: string): Decoded<AttachmentRecord> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const f = r.fields;
  if (f[0] === 'use' && f.length === 5) {
    const [, id = '', at = '', to = '', clientId = ''] = f;
    if (!ID.test(id) || !ISO.test(at) || !to) return fail('bad use record');
    return { ok: true, value: { kind: 'use', id, claim: { to, at, clientId: clientId || undefined } } };
  }
  if (f[0] !== 'up' || f.length !== 11) return fail(`unknown record type ${JSON.stringify(f[0])}`);
  const [, id = '', uploadedAt = '', uploader = '', sha256 = '', size = '', type = '', width = '', height = '', thumb = '', name = ''] = f;
  const dimension = (v: string) => v === '' || COUNT.test(v);
  if (!ID.test(id) || !ISO.test(uploadedAt) || !uploader || !SHA.test(sha256) || !COUNT.test(size) || !type || !name) {
    return fail('bad upload record');
  }
  if (!dimension(width) || !dimension(height) || (thumb !== '' && !SHA.test(thumb))) return fail('bad upload record');
  const attachment: StoredAttachment = { id, uploadedAt, uploader, sha256, size: Number(size), type, name, thumbnail: thumb !== '' };
  if (width !== '') attachment.width = Number(width);
  if (height !== '') attachment.height = Number(height);
  if (thumb !== '') attachment.thumbnailSha256 = thumb;
  return { ok: true, value: { kind: 'up', attachment } };
}
