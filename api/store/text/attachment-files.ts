import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StoreUnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import {
  stagedFile,
  type AttachmentClaim,
  type AttachmentRepository,
  type ByteRange,
  type ClaimOutcome,
  type FinishedFile,
  type NewAttachment,
  type StagedFile,
  type StoredAttachment,
} from '../attachment-repository.js';
import { decodeAttachmentRecord, encodeAttachmentRecord } from './attachment-records.js';
import { DATA_FILES } from './data-layout.js';
import { isOutOfSpace, makeFolder, openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';
import { loadRecordFile } from './line-file.js';

/** The metadata file and the folder of the bytes, in the data folder (docs/storage.md). */
export const ATTACHMENTS_FILE = DATA_FILES.attachments;
export const ATTACHMENTS_FOLDER = DATA_FILES.attachmentBytes;
const BLOB = /^[0-9a-f]{64}$/;
const STAGED = /^upload-[0-9a-f]{16}\.tmp$/;

/**
 * The attachments of the text store (issue #18): the bytes in `anexos/<sha256>`, one file per content, and the
 * records in `anexos.txt` (attachment-records.ts), all held in memory (a line per upload). Every change is
 * durable before it resolves; the file's writes go one at a time, so a rewrite (a removal) never loses an
 * append made meanwhile.
 */
export class AttachmentFiles implements AttachmentRepository {
  private readonly byId = new Map<string, StoredAttachment>();
  /** Digests on their way into a record: a removal must not take their bytes meanwhile. */
  private readonly pending = new Map<string, number>();
  private writing: Promise<unknown> = Promise.resolve();
  /** Set by the text store: opens those users' histories, where a delete whose files remain is found. */
  private findLeftDeletes: (uploaders: readonly string[]) => Promise<number> = async () => 0;

  private constructor(
    private readonly dir: string,
    private readonly disk: Disk,
    private readonly log: Logger,
    private handle: DiskFile,
    /** The file had damaged lines: a claim may be among them, so nothing is swept until it is repaired. */
    private readonly damaged: boolean,
  ) {}

  /** Loads anexos.txt, removes unfinished uploads and bytes no record names (a crash before their record). */
  static async open(dataDir: string, disk: Disk, log: Logger): Promise<AttachmentFiles> {
    const folder = path.join(dataDir, ATTACHMENTS_FOLDER);
    await makeFolder(disk, folder);
    const file = path.join(dataDir, ATTACHMENTS_FILE);
    const loaded = await loadRecordFile(file, decodeAttachmentRecord, disk);
    if (loaded.tornBytes > 0) log.warn({ file, droppedBytes: loaded.tornBytes }, 'dropped a torn tail (an unfinished write)');
    for (const d of loaded.damage) log.error({ file: d.file, line: d.line, reason: d.reason }, 'damaged record skipped');
    const files = new AttachmentFiles(folder, disk, log, await openCreating(disk, file, 'a'), loaded.damage.length > 0);
    for (const { value } of loaded.records) {
      if (value.kind === 'up') files.byId.set(value.attachment.id, value.attachment);
      else {
        const a = files.byId.get(value.id);
        if (a) a.claim = value.claim;
      }
    }
    await files.tidyFolder();
    return files;
  }

  /** Every attachment kept, with its claim (the migrate-data tool copies them; issue #18). */
  list(): StoredAttachment[] {
    return [...this.byId.values()].map((a) => ({ ...a, ...(a.claim ? { claim: { ...a.claim } } : {}) }));
  }

  async stage(): Promise<StagedFile> {
    const file = path.join(this.dir, `upload-${randomBytes(8).toString('hex')}.tmp`);
    const handle = await this.disk.open(file, 'w');
    return stagedFile(file, { write: (chunk) => handle.write(chunk, 0, chunk.length), close: () => handle.close() }, (f) =>
      this.disk.unlink(f),
    );
  }

  async add(a: NewAttachment): Promise<StoredAttachment> {
    const files = [a.file, ...(a.thumbnail ? [a.thumbnail] : [])];
    for (const f of files) this.pending.set(f.sha256, (this.pending.get(f.sha256) ?? 0) + 1);
    try {
      for (const f of files) await this.keep(f);
      await this.disk.syncFolder(this.dir);
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
      await this.append(encodeAttachmentRecord({ kind: 'up', attachment: stored }));
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
      await this.append(encodeAttachmentRecord({ kind: 'use', id, claim }));
    } catch (err) {
      delete a.claim;
      throw unavailableIfFull(err);
    }
    return 'claimed';
  }

  async read(sha256: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!BLOB.test(sha256)) return undefined;
    const file = path.join(this.dir, sha256);
    const opened = await fsp.open(file, 'r').catch(() => undefined);
    if (!opened) return undefined;
    return createReadStream(file, { fd: opened, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async remove(ids: readonly string[]): Promise<void> {
    await this.serially(async () => {
      const gone = ids.flatMap((id) => this.byId.get(id) ?? []);
      if (gone.length === 0) return;
      await this.rewrite((a) => (gone.includes(a) ? undefined : a));
      for (const a of gone) this.byId.delete(a.id);
      const used = this.usedDigests();
      const unused = new Set(
        gone.flatMap((a) => [a.sha256, ...(a.thumbnailSha256 ? [a.thumbnailSha256] : [])]).filter((s) => !used.has(s)),
      );
      for (const sha of unused) await this.disk.unlink(path.join(this.dir, sha)).catch(() => undefined);
      if (unused.size > 0) await this.disk.syncFolder(this.dir);
    }).catch((err: unknown) => {
      throw unavailableIfFull(err);
    });
  }

  async unclaim(ids: readonly string[], claim: Omit<AttachmentClaim, 'at'>): Promise<void> {
    await this.serially(async () => {
      const freed = ids.flatMap((id) => {
        const a = this.byId.get(id);
        return a?.claim && a.claim.to === claim.to && a.claim.clientId === claim.clientId ? [a] : [];
      });
      if (freed.length === 0) return;
      // Rare (a refused send), so the file is rewritten rather than given a record kind of its own.
      await this.rewrite((a) => (freed.includes(a) ? { ...a, claim: undefined } : a));
      for (const a of freed) delete a.claim;
    }).catch((err: unknown) => {
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
    const unlinked = await this.serially(async () => {
      const used = this.usedDigests();
      const orphans = (await fsp.readdir(this.dir)).filter((name) => BLOB.test(name) && !used.has(name));
      for (const name of orphans) await this.disk.unlink(path.join(this.dir, name));
      if (orphans.length > 0) await this.disk.syncFolder(this.dir);
      return orphans.length;
    });
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

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.handle.close();
  }

  /**
   * Rewrites anexos.txt, crash-safe (a temporary file, fsync, rename), with each attachment as `keep` says:
   * left out (undefined) or as returned. Runs inside `serially`, so no append is lost meanwhile.
   */
  private async rewrite(keep: (a: StoredAttachment) => StoredAttachment | undefined): Promise<void> {
    const lines = [...this.byId.values()].flatMap((kept) => {
      const attachment = keep(kept);
      if (!attachment) return [];
      return [
        encodeAttachmentRecord({ kind: 'up', attachment }),
        ...(attachment.claim ? [encodeAttachmentRecord({ kind: 'use', id: attachment.id, claim: attachment.claim })] : []),
      ];
    });
    const file = path.join(path.dirname(this.dir), ATTACHMENTS_FILE);
    await this.handle.close();
    try {
      await writeDurably(this.disk, file, lines.join(''));
    } finally {
      this.handle = await openCreating(this.disk, file, 'a');
    }
  }

  /** Syncs a staged file and gives it its digest's name, or drops it when those bytes are already kept. */
  private async keep(f: FinishedFile): Promise<void> {
    const handle = await this.disk.open(f.staged.path, 'r+');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    const target = path.join(this.dir, f.sha256);
    const exists = await fsp.access(target).then(
      () => true,
      () => false,
    );
    if (!exists) await this.disk.rename(f.staged.path, target);
  }

  private append(line: string): Promise<void> {
    return this.serially(async () => {
      const size = (await this.handle.stat()).size;
      try {
        await this.handle.write(line);
        await this.handle.datasync();
      } catch (err) {
        // A line that did not make it must not stay half written before the next one.
        await this.handle.truncate(size).catch(() => undefined);
        throw err;
      }
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writing.catch(() => undefined).then(work);
    this.writing = next;
    return next;
  }

  private usedDigests(): Set<string> {
    const used = new Set<string>(this.pending.keys());
    for (const a of this.byId.values()) {
      used.add(a.sha256);
      if (a.thumbnailSha256) used.add(a.thumbnailSha256);
    }
    return used;
  }

  /** Unfinished uploads, and bytes no record names (renamed, then a crash before the record), are removed. */
  private async tidyFolder(): Promise<void> {
    const used = this.usedDigests();
    const removed: string[] = [];
    const missing = new Set(used);
    for (const name of await fsp.readdir(this.dir)) {
      missing.delete(name);
      const orphan = BLOB.test(name) && !used.has(name) && !this.damaged;
      if (!STAGED.test(name) && !orphan) continue;
      await this.disk.unlink(path.join(this.dir, name));
      removed.push(name);
    }
    if (removed.length > 0) {
      await this.disk.syncFolder(this.dir);
      this.log.info({ files: removed }, 'removed attachment files left by unfinished uploads');
    }
    if (missing.size > 0) this.log.error({ files: [...missing] }, 'attachment files are missing: those attachments answer 404');
  }
}

function unavailableIfFull(err: unknown): unknown {
  return isOutOfSpace(err) ? new StoreUnavailableError('the disk is full; retry later', err) : err;
}
