import path from 'node:path';
import type { Readable } from 'node:stream';
import { StoreUnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type {
  AttachmentClaim,
  AttachmentRepository,
  ByteRange,
  ClaimOutcome,
  NewAttachment,
  StagedFile,
  StoredAttachment,
} from '../attachment-repository.js';
import { AttachmentBlobs } from './attachment-blobs.js';
import { AttachmentRecordFile } from './attachment-record-file.js';
import { DATA_FILES } from './data-layout.js';
import { isOutOfSpace, type Disk } from './disk.js';

/** The metadata file and the folder of the bytes, in the data folder (docs/storage.md). */
export const ATTACHMENTS_FILE = DATA_FILES.attachments;
export const ATTACHMENTS_FOLDER = DATA_FILES.attachmentBytes;

/**
 * The attachments of the text store (issue #18): the bytes in `anexos/<sha256>`, one file per content
 * (attachment-blobs.ts), and the records in `anexos.txt` (attachment-record-file.ts), all held in memory (a
 * line per upload). Every change is durable before it resolves.
 */
export class AttachmentFiles implements AttachmentRepository {
  /** Digests on their way into a record: a removal must not take their bytes meanwhile. */
  private readonly pending = new Map<string, number>();
  /** Set by the text store: opens those users' histories, where a delete whose files remain is found. */
  private findLeftDeletes: (uploaders: readonly string[]) => Promise<number> = async () => 0;

  private constructor(
    private readonly blobs: AttachmentBlobs,
    private readonly records: AttachmentRecordFile,
    private readonly byId: Map<string, StoredAttachment>,
    private readonly log: Logger,
    /** The file had damaged lines: a claim may be among them, so nothing is swept until it is repaired. */
    private readonly damaged: boolean,
  ) {}

  /** Loads anexos.txt, removes unfinished uploads and bytes no record names (a crash before their record). */
  static async open(dataDir: string, disk: Disk, log: Logger): Promise<AttachmentFiles> {
    const blobs = await AttachmentBlobs.open(path.join(dataDir, ATTACHMENTS_FOLDER), disk, log);
    const { records, byId, damaged } = await AttachmentRecordFile.open(path.join(dataDir, ATTACHMENTS_FILE), disk, log);
    const files = new AttachmentFiles(blobs, records, byId, log, damaged);
    await blobs.tidy(files.usedDigests(), damaged);
    return files;
  }

  /** Every attachment kept, with its claim (the migrate-data tool copies them; issue #18). */
  list(): StoredAttachment[] {
    return [...this.byId.values()].map((a) => ({ ...a, ...(a.claim ? { claim: { ...a.claim } } : {}) }));
  }

  stage(): Promise<StagedFile> {
    return this.blobs.stage();
  }

  async add(a: NewAttachment): Promise<StoredAttachment> {
    const files = [a.file, ...(a.thumbnail ? [a.thumbnail] : [])];
    for (const f of files) this.pending.set(f.sha256, (this.pending.get(f.sha256) ?? 0) + 1);
    try {
      for (const f of files) await this.blobs.keep(f);
      await this.blobs.syncNames();
      const stored: StoredAttachment = {
        id: a.id,
        name: a.name,
        type: a.type,
        size: a.file.size,
        thumbnail: a.thumbnail !== undefined,
        uploader: a.uploader,
        uploadedAt: a.uploadedAt,
        sha256: a.file.sha256,
        ...(a.width === undefined ? {} : { width: a.width }),
        ...(a.height === undefined ? {} : { height: a.height }),
        ...(a.thumbnail ? { thumbnailSha256: a.thumbnail.sha256 } : {}),
      };
      await this.records.append({ kind: 'up', attachment: stored });
      this.byId.set(stored.id, stored);
      return { ...stored };
    } catch (err) {
      throw unavailableIfFull(err);
    } finally {
      for (const f of files) await f.staged.discard();
      for (const f of files) {
        const n = (this.pending.get(f.sha256) ?? 1) - 1;
        if (n > 0) this.pending.set(f.sha256, n);
        else this.pending.delete(f.sha256);
      }
    }
  }

  async get(id: string): Promise<StoredAttachment | undefined> {
    const a = this.byId.get(id);
    return a && { ...a };
  }

  async claim(id: string, from: string, claim: AttachmentClaim): Promise<ClaimOutcome> {
    const a = this.byId.get(id);
    if (!a || a.uploader !== from) return 'not_found';
    if (a.claim)
      return a.claim.to === claim.to && a.claim.clientId !== undefined && a.claim.clientId === claim.clientId ? 'claimed' : 'in_use';
    // Taken in memory before the write, so a second send racing this one finds it in use.
    a.claim = claim;
    try {
      await this.records.append({ kind: 'use', id, claim });
    } catch (err) {
      delete a.claim;
      throw unavailableIfFull(err);
    }
    return 'claimed';
  }

  read(sha256: string, range?: ByteRange): Promise<Readable | undefined> {
    return this.blobs.read(sha256, range);
  }

  async remove(ids: readonly string[]): Promise<void> {
    await this.records
      .serially(async () => {
        const gone = ids.flatMap((id) => this.byId.get(id) ?? []);
        if (gone.length === 0) return;
        await this.rewrite((a) => (gone.includes(a) ? undefined : a));
        for (const a of gone) this.byId.delete(a.id);
        const used = this.usedDigests();
        const digests = gone.flatMap((a) => [a.sha256, ...(a.thumbnailSha256 ? [a.thumbnailSha256] : [])]);
        await this.blobs.remove(new Set(digests.filter((s) => !used.has(s))));
      })
      .catch((err: unknown) => {
        throw unavailableIfFull(err);
      });
  }

  async unclaim(ids: readonly string[], claim: Omit<AttachmentClaim, 'at'>): Promise<void> {
    await this.records
      .serially(async () => {
        const freed = ids.flatMap((id) => {
          const a = this.byId.get(id);
          return a?.claim && a.claim.to === claim.to && a.claim.clientId === claim.clientId ? [a] : [];
        });
        if (freed.length === 0) return;
        // Rare (a refused send), so the file is rewritten rather than given a record kind of its own.
        await this.rewrite((a) => (freed.includes(a) ? { ...a, claim: undefined } : a));
        for (const a of freed) delete a.claim;
      })
      .catch((err: unknown) => {
        throw unavailableIfFull(err);
      });
  }

  /** The text store's part of `finishRemovals` (text-store.ts): it knows the histories. */
  whenFinishingRemovals(find: (uploaders: readonly string[]) => Promise<number>): void {
    this.findLeftDeletes = find;
  }

  async finishRemovals(): Promise<number> {
    if (this.damaged) return 0;
    // A deleted message's files are named by its history line until the scrub releases them: opening the
    // histories of those who sent files finds the deletes whose release a crash or an error cut short.
    const senders = new Set([...this.byId.values()].flatMap((a) => (a.claim && a.claim.to !== a.uploader ? [a.uploader] : [])));
    const queued = await this.findLeftDeletes([...senders]);
    // Bytes whose record was removed but whose unlink failed; in order with the writes, so none in flight.
    const unlinked = await this.records.serially(() => this.blobs.removeOrphans(this.usedDigests()));
    return queued + unlinked;
  }

  async unclaimedBefore(before: Date): Promise<string[]> {
    if (this.damaged) {
      this.log.error(`${ATTACHMENTS_FILE} has damaged lines: unclaimed attachments are not swept until it is repaired`);
      return [];
    }
    const limit = before.toISOString();
    return [...this.byId.values()].filter((a) => !a.claim && a.uploadedAt < limit).map((a) => a.id);
  }

  close(): Promise<void> {
    return this.records.close();
  }

  /** Rewrites anexos.txt with each attachment as `keep` says: left out (undefined) or as returned. */
  private rewrite(keep: (a: StoredAttachment) => StoredAttachment | undefined): Promise<void> {
    return this.records.rewrite([...this.byId.values()].flatMap((a) => keep(a) ?? []));
  }

  private usedDigests(): Set<string> {
    const used = new Set<string>(this.pending.keys());
    for (const a of this.byId.values()) {
      used.add(a.sha256);
      if (a.thumbnailSha256) used.add(a.thumbnailSha256);
    }
    return used;
  }
}

function unavailableIfFull(err: unknown): unknown {
  return isOutOfSpace(err) ? new StoreUnavailableError('the disk is full; retry later', err) : err;
}
