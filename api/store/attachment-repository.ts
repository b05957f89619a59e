import type { Readable } from 'node:stream';

/**
 * Uploaded files (issue #18). The bytes are kept by content (their SHA-256), so a photo sent twice is kept
 * once; an attachment is one upload of them: who uploaded it, under which name, and, once a send carried it,
 * to whom. An attachment goes with one message (one send, retried with its clientId as often as needed), so
 * "is it still referenced" is "is it claimed", and deleting that message removes it (`remove`).
 */

/** An attachment as a message carries it: what the reader needs to show it before fetching a byte. */
export interface MessageAttachment {
  id: string;
  /** The display name, cleaned (api/attachments/file-name.ts): never a path. */
  name: string;
  /** Read from the bytes (api/attachments/file-kind.ts), never the client's word. */
  type: string;
  size: number;
  /** Pixels, for images: the reader reserves the space before the picture arrives. */
  width?: number;
  height?: number;
  /** Whether a small preview exists (images). */
  thumbnail: boolean;
}

/** The send an attachment went with: its recipient may read it too. */
export interface AttachmentClaim {
  to: string;
  /** The send's clientId: a retry of that send may carry the attachment again, no other send. */
  clientId: string | undefined;
  /** ISO 8601, UTC. */
  at: string;
}

export interface StoredAttachment extends MessageAttachment {
  uploader: string;
  /** ISO 8601, UTC. */
  uploadedAt: string;
  /** SHA-256 (hex) of the stored bytes, and of the preview's. */
  sha256: string;
  thumbnailSha256?: string;
  claim?: AttachmentClaim;
}

/** A file being received: written by the domain, then handed to `add` (which takes it) or discarded. */
export interface StagedFile {
  /** Where it is, on the same file system as the store's files: sharp reads and writes it by name. */
  readonly path: string;
  write(chunk: Buffer): Promise<void>;
  /** Closes it once written (`add` syncs it before keeping it). */
  close(): Promise<void>;
  /** Removes it (a refused or failed upload): nothing of it is left behind. */
  discard(): Promise<void>;
}

/**
 * A StagedFile over a file just opened for writing: closed at most once (a discard after a close is fine),
 * and removed on discard, whatever went wrong before.
 */
export function stagedFile(
  path: string,
  file: { write(chunk: Buffer): Promise<unknown>; close(): Promise<void> },
  unlink: (path: string) => Promise<void>,
): StagedFile {
  let open = true;
  const close = async () => {
    if (!open) return;
    open = false;
    await file.close();
  };
  return {
    path,
    write: async (chunk) => void (await file.write(chunk)),
    close,
    discard: async () => {
      await close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
    },
  };
}

/** A staged file whose bytes are final: their digest and length. */
export interface FinishedFile {
  staged: StagedFile;
  sha256: string;
  size: number;
}

export interface NewAttachment {
  id: string;
  uploader: string;
  uploadedAt: string;
  name: string;
  type: string;
  width?: number;
  height?: number;
  file: FinishedFile;
  thumbnail?: FinishedFile;
}

/** Bytes `start` to `end`, both included (as HTTP's Range counts them), within the file. */
export interface ByteRange {
  start: number;
  end: number;
}

export type ClaimOutcome = 'claimed' | 'not_found' | 'in_use';

export interface AttachmentRepository {
  /** A new file to receive an upload into. */
  stage(): Promise<StagedFile>;
  /**
   * Keeps the files (fsynced, renamed to their digest, folder fsynced; or in the database) and records the
   * attachment, durably, before it resolves: no message can point to bytes that a crash could take. Takes the
   * staged files either way.
   */
  add(attachment: NewAttachment): Promise<StoredAttachment>;
  get(id: string): Promise<StoredAttachment | undefined>;
  /**
   * Durably marks `id` as carried by a send from `from` to `to`: `not_found` unless `from` uploaded it,
   * `in_use` when another send (another recipient, another or no clientId) already carries it.
   */
  claim(id: string, from: string, claim: AttachmentClaim): Promise<ClaimOutcome>;
  /**
   * Takes back the claims of `ids` that are exactly `claim` (same recipient and clientId), durably: a send
   * refused after its claim (a clientId conflict) gives nobody access to its files, which stay the uploader's.
   */
  unclaim(ids: readonly string[], claim: Omit<AttachmentClaim, 'at'>): Promise<void>;
  /**
   * The stored bytes of a digest (an attachment's or its preview's), or only `range` of them (a video a phone
   * plays reads it piece by piece); undefined when gone.
   */
  read(sha256: string, range?: ByteRange): Promise<Readable | undefined>;
  /**
   * Removes the attachments durably: their records, and the bytes no other attachment shares. What is gone
   * from every file and table once this resolves (the metadata file is rewritten, crash-safe).
   */
  remove(ids: readonly string[]): Promise<void>;
  /**
   * Finishes the removals a crash or a failed write cut short (issue #18): the files of messages deleted for
   * everyone whose removal did not happen, and bytes no record names any more. On PostgreSQL also the uploads
   * claimed before `before` that no message carries (a send that never stored its message). Returns how many
   * it removed, or put in line to remove (the text store's deleted-text scrub removes those).
   */
  finishRemovals(before: Date): Promise<number>;
  /** Attachments uploaded before `before` that no send claimed: the sweep removes them. */
  unclaimedBefore(before: Date): Promise<string[]>;
}
