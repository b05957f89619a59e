import type { Logger } from '../../logger.js';
import type { StoredAttachment } from '../attachment-repository.js';
import { decodeAttachmentRecord, encodeAttachmentRecord, type AttachmentRecord } from './attachment-records.js';
import { openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';
import { loadRecordFile } from './line-file.js';

/**
 * anexos.txt on disk (its lines in attachment-records.ts): loaded once, then appended to and, for a removal,
 * rewritten whole. Its writes go one at a time (`serially`), so a rewrite never loses an append made meanwhile.
 */
export class AttachmentRecordFile {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly disk: Disk,
    private handle: DiskFile,
  ) {}

  /**
   * Loads the file: every attachment by id, with its claim, and whether lines were damaged (a claim may be
   * among them, so the caller sweeps nothing until the file is repaired).
   */
  static async open(
    file: string,
    disk: Disk,
    log: Logger,
  ): Promise<{ records: AttachmentRecordFile; byId: Map<string, StoredAttachment>; damaged: boolean }> {
    const loaded = await loadRecordFile(file, decodeAttachmentRecord, disk);
    if (loaded.tornBytes > 0) log.warn({ file, droppedBytes: loaded.tornBytes }, 'dropped a torn tail (an unfinished write)');
    for (const d of loaded.damage) log.error({ file: d.file, line: d.line, reason: d.reason }, 'damaged record skipped');
    const records = new AttachmentRecordFile(file, disk, await openCreating(disk, file, 'a'));
    const byId = new Map<string, StoredAttachment>();
    for (const { value } of loaded.records) {
      if (value.kind === 'up') byId.set(value.attachment.id, value.attachment);
      else {
        const a = byId.get(value.id);
        if (a) a.claim = value.claim;
      }
    }
    return { records, byId, damaged: loaded.damage.length > 0 };
  }

  /** Appends a record, durably, after the writes before it. */
  append(record: AttachmentRecord): Promise<void> {
    const line = encodeAttachmentRecord(record);
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

  /**
   * Rewrites the file, crash-safe (a temporary file, fsync, rename), with these attachments and their claims
   * only. Runs inside `serially`, so no append is lost meanwhile.
   */
  async rewrite(attachments: readonly StoredAttachment[]): Promise<void> {
    const lines = attachments.flatMap((attachment) => [
      encodeAttachmentRecord({ kind: 'up', attachment }),
      ...(attachment.claim ? [encodeAttachmentRecord({ kind: 'use', id: attachment.id, claim: attachment.claim })] : []),
    ]);
    await this.handle.close();
    try {
      await writeDurably(this.disk, this.file, lines.join(''));
    } finally {
      this.handle = await openCreating(this.disk, this.file, 'a');
    }
  }

  /** Runs `work` after the writes queued before it, whatever became of them. */
  serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writing.catch(() => undefined).then(work);
    this.writing = next;
    return next;
  }

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.handle.close();
  }
}
