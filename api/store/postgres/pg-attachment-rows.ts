import type { StoredAttachment } from '../attachment-repository.js';

/** A row of the attachments table, as node-postgres returns it (migrations/008_attachments.sql). */
export interface AttachmentRow {
  id: string;
  uploader: string;
  uploaded_at: Date;
  sha256: string;
  size: string;
  type: string;
  name: string;
  width: number | null;
  height: number | null;
  thumb_sha256: string | null;
  claimed_to: string | null;
  claimed_client_id: string | null;
  claimed_at: Date | null;
  [column: string]: unknown;
}

/** The row as the storage interface hands it out. */
export function toAttachment(r: AttachmentRow): StoredAttachment {
  const a: StoredAttachment = {
    id: r.id,
    uploader: r.uploader,
    uploadedAt: r.uploaded_at.toISOString(),
    sha256: r.sha256,
    size: Number(r.size),
    type: r.type,
    name: r.name,
    thumbnail: r.thumb_sha256 !== null,
  };
  if (r.width !== null) a.width = r.width;
  if (r.height !== null) a.height = r.height;
  if (r.thumb_sha256 !== null) a.thumbnailSha256 = r.thumb_sha256;
  if (r.claimed_to !== null && r.claimed_at !== null) {
    a.claim = { to: r.claimed_to, clientId: r.claimed_client_id ?? undefined, at: r.claimed_at.toISOString() };
  }
  return a;
}
