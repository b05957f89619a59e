import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../../logger.js';
import { stagedFile, type ByteRange, type FinishedFile, type StagedFile } from '../attachment-repository.js';
import { makeFolder, type Disk } from './disk.js';

const BLOB = /^[0-9a-f]{64}$/;
const STAGED = /^upload-[0-9a-f]{16}\.tmp$/;

/**
 * The bytes of the attachments (issue #18): `anexos/<sha256>`, one file per content whoever sent it, beside the
 * uploads on their way in (`upload-<random>.tmp`) until their digest names them. Which digests are still in
 * use is for the records to say (attachment-files.ts): each removal here is given the ones to keep.
 */
export class AttachmentBlobs {
  private constructor(
    private readonly dir: string,
    private readonly disk: Disk,
    private readonly log: Logger,
  ) {}

  static async open(dir: string, disk: Disk, log: Logger): Promise<AttachmentBlobs> {
    await makeFolder(disk, dir);
    return new AttachmentBlobs(dir, disk, log);
  }

  async stage(): Promise<StagedFile> {
    const file = path.join(this.dir, `upload-${randomBytes(8).toString('hex')}.tmp`);
    const handle = await this.disk.open(file, 'w');
    return stagedFile(file, { write: (chunk) => handle.write(chunk, 0, chunk.length), close: () => handle.close() }, (f) =>
      this.disk.unlink(f),
    );
  }

  /** Syncs a staged file and gives it its digest's name, or drops it when those bytes are already kept. */
  async keep(f: FinishedFile): Promise<void> {
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

  /** Makes the names given by `keep` durable: the record naming them is written only after this. */
  syncNames(): Promise<void> {
    return this.disk.syncFolder(this.dir);
  }

  async read(sha256: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!BLOB.test(sha256)) return undefined;
    const file = path.join(this.dir, sha256);
    const opened = await fsp.open(file, 'r').catch(() => undefined);
    if (!opened) return undefined;
    return createReadStream(file, { fd: opened, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  /** Removes the bytes of these digests, which no record names any more; one left behind is an orphan for `removeOrphans`. */
  async remove(digests: ReadonlySet<string>): Promise<void> {
    for (const sha of digests) await this.disk.unlink(path.join(this.dir, sha)).catch(() => undefined);
    if (digests.size > 0) await this.disk.syncFolder(this.dir);
  }

  /** Removes the bytes no record names (`used`): a removal whose unlink failed. Returns how many went. */
  async removeOrphans(used: ReadonlySet<string>): Promise<number> {
    const orphans = (await fsp.readdir(this.dir)).filter((name) => BLOB.test(name) && !used.has(name));
    for (const name of orphans) await this.disk.unlink(path.join(this.dir, name));
    if (orphans.length > 0) await this.disk.syncFolder(this.dir);
    return orphans.length;
  }

  /**
   * At open: unfinished uploads go, and bytes no record names (renamed, then a crash before the record) unless
   * the records are `damaged` (a claim may be among the damaged lines). Named bytes that are missing are logged.
   */
  async tidy(used: ReadonlySet<string>, damaged: boolean): Promise<void> {
    const removed: string[] = [];
    const missing = new Set(used);
    for (const name of await fsp.readdir(this.dir)) {
      missing.delete(name);
      const orphan = BLOB.test(name) && !used.has(name) && !damaged;
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
