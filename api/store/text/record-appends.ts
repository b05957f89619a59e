import { isOutOfSpace, openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';

/**
 * Rewrites a record file with its live records only, at open. On a full disk the file stays as loaded (its
 * torn tail cut off), which holds the same records in more lines: answers the error then, for the log
 * (issue #15).
 */
export async function rewriteWithLiveRecords(disk: Disk, file: string, data: string): Promise<unknown> {
  try {
    await writeDurably(disk, file, data);
    return undefined;
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    return err;
  }
}

/** The end of a record file that changes are appended to: a write that fails is cut off, back to its last whole line. */
export class RecordAppends {
  private constructor(
    private handle: DiskFile,
    /** Bytes of whole lines in the file. */
    private size: number,
    private readonly disk: Disk,
    private readonly file: string,
  ) {}

  static async open(disk: Disk, file: string): Promise<RecordAppends> {
    const handle = await openCreating(disk, file, 'a');
    return new RecordAppends(handle, (await handle.stat()).size, disk, file);
  }

  /**
   * Replaces the file with `data`, the live records only, while it runs (issue #17: a deleted account's lines
   * must leave the file, not only be outvoted by a later line): new file, fsync, rename, fsync of the folder
   * (writeDurably), so a crash leaves the old file or the new one; appends go to the new file from then on.
   * The caller runs it between two of its appends. A failure leaves the old file, still appended to, and is thrown.
   */
  async replaceAll(data: string): Promise<void> {
    await writeDurably(this.disk, this.file, data);
    const handle = await this.disk.open(this.file, 'a');
    const old = this.handle;
    this.handle = handle;
    this.size = (await handle.stat()).size;
    await old.close().catch(() => undefined);
  }

  /** Writes `data` and fdatasyncs it; a failure is cut off the file and thrown. */
  async appendSynced(data: string): Promise<void> {
    try {
      await this.handle.write(data);
      await this.handle.datasync();
      this.size += Buffer.byteLength(data);
    } catch (err) {
      await this.handle.truncate(this.size).catch(() => undefined);
      throw err;
    }
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
