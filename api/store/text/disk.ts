import fs from 'node:fs';
import path from 'node:path';
import { TEMPORARY_SUFFIX } from './data-layout.js';

/**
 * Every change the text store makes to its data folder goes through a `Disk`: the files it opens and writes,
 * and the names it creates, renames and removes, with the folder syncs that make those names durable (issue
 * #15). Production uses `nodeDisk`; the fault tests pass one that fails with ENOSPC or EIO on demand
 * (test/faults/disk-errors.test.ts, issue #6) or that records what a power loss would keep
 * (test/faults/support/power-loss-disk.ts). Reads go to `fs` directly: they change nothing a test must see.
 *
 * A Disk only does what it is asked; the rules of durability (a whole file written and fsynced before its
 * rename, the folder fsynced after) are in the functions below, once, for every Disk.
 *
 * `DiskFile` is the part of a `fs.promises.FileHandle` the store uses, so a FileHandle (or a proxy of one, as
 * the tests make) is a DiskFile.
 */
export interface DiskFile {
  /** Appends (files opened for append) or writes at the current position. */
  write(data: string): Promise<unknown>;
  write(data: Buffer, offset: number, length: number, position?: number | null): Promise<unknown>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

export interface Disk {
  /** Opens a file with Node's `flags` ('r+', 'a', 'a+', 'w'...), creating it when the flags say so. */
  open(path: string, flags: string): Promise<DiskFile>;
  /** Makes one folder (its parent must exist). */
  mkdir(path: string): Promise<void>;
  /** Renames a file, replacing any file of that name, atomically. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file. */
  unlink(path: string): Promise<void>;
  /** Cuts a file to `length` bytes. */
  truncate(path: string, length: number): Promise<void>;
  /** Sets a file's or a folder's permission bits. */
  chmod(path: string, mode: number): Promise<void>;
  /** fsyncs a folder: the names created, renamed or removed in it survive a power loss once this resolves. */
  syncFolder(path: string): Promise<void>;
}

/**
 * A DiskFile on Node's callback API: a FileHandle's promise operation costs about twice the CPU of the same
 * callback one (each makes a FileHandle request with its own buffers), and a message makes several writes
 * (issue #4; figures in docs/performance.md).
 */
class NodeFile implements DiskFile {
  constructor(private readonly fd: number) {}

  /**
   * Writes synchronously, on the event loop: the write only reaches the page cache (datasync is what waits
   * for the disk), a few microseconds, while a round trip through libuv's threads cost the event loop more
   * than the write itself (waking a sleeping thread, then the completion back through the loop) (issue #4;
   * figures in docs/performance.md).
   */
  write(data: string | Buffer, offset = 0, length?: number, position: number | null = null): Promise<unknown> {
    let rest = typeof data === 'string' ? Buffer.from(data) : data.subarray(offset, offset + (length ?? data.length - offset));
    let at = position;
    try {
      while (rest.length > 0) {
        const written = fs.writeSync(this.fd, rest, 0, rest.length, at);
        if (written === 0) throw new Error('the file system took no byte of a write');
        // A short write (rare: a full disk answers that way first): the rest goes after it, never dropped.
        rest = rest.subarray(written);
        if (at !== null) at += written;
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return new Promise((resolve, reject) =>
      fs.read(this.fd, buffer, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve({ bytesRead }))),
    );
  }

  datasync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  truncate(length: number): Promise<void> {
    return new Promise((resolve, reject) => fs.ftruncate(this.fd, length, (err) => (err ? reject(err) : resolve())));
  }

  stat(): Promise<{ size: number }> {
    return new Promise((resolve, reject) => fs.fstat(this.fd, (err, stats) => (err ? reject(err) : resolve(stats))));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => fs.close(this.fd, (err) => (err ? reject(err) : resolve())));
  }
}

/**
 * The data folder holds password hashes and everyone's messages: its files are the server user's alone
 * (issue #15). Set here, the one place files and folders are made, and set again after creation, since the
 * process umask can only take bits away from these (a umask of 0277 would leave a folder we cannot write).
 */
export const FILE_MODE = 0o600;
export const FOLDER_MODE = 0o700;

/** The real file system. */
export class NodeDisk implements Disk {
  async open(file: string, flags: string): Promise<DiskFile> {
    const fd = await new Promise<number>((resolve, reject) =>
      fs.open(file, flags, FILE_MODE, (err, n) => (err ? reject(err) : resolve(n))),
    );
    // Only a flag that may create the file can have made it under the umask ('r' and 'r+' never create).
    if (!flags.startsWith('r')) {
      try {
        const { mode } = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));
        if ((mode & 0o777) !== FILE_MODE)
          await new Promise<void>((resolve, reject) => fs.fchmod(fd, FILE_MODE, (err) => (err ? reject(err) : resolve())));
      } catch (err) {
        fs.close(fd, () => undefined);
        throw err;
      }
    }
    return new NodeFile(fd);
  }

  async mkdir(folder: string): Promise<void> {
    await fs.promises.mkdir(folder, { mode: FOLDER_MODE });
    await fs.promises.chmod(folder, FOLDER_MODE);
  }

  rename(from: string, to: string): Promise<void> {
    return fs.promises.rename(from, to);
  }

  unlink(file: string): Promise<void> {
    return fs.promises.unlink(file);
  }

  truncate(file: string, length: number): Promise<void> {
    return fs.promises.truncate(file, length);
  }

  chmod(file: string, mode: number): Promise<void> {
    return fs.promises.chmod(file, mode);
  }

  async syncFolder(folder: string): Promise<void> {
    const handle = await fs.promises.open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

export const nodeDisk: Disk = new NodeDisk();

/** The steps of a durable write, in order: the crash tests stop a write after each (test/faults/compaction-crash.test.ts). */
export type DurableWriteStep = 'written' | 'synced' | 'renamed' | 'folder-synced';

export interface DurableWriteOptions {
  /** The copy's name before its rename (default `<file>.tmp`); start-up removes such leftovers (unfinished-files.ts). */
  copy?: string;
  afterStep?: (step: DurableWriteStep) => void | Promise<void>;
}

/**
 * Writes a whole file so that a crash leaves the old content or the new, never a mix: a copy written and
 * fdatasynced, renamed over the file, then the folder fsynced. The copy is FILE_MODE before anything is
 * written (Disk.open), so a secret is never readable by others even for a moment. A write that fails (a full
 * disk) removes its copy: it holds nothing anyone was promised (issue #15). The one place this is done.
 */
export async function writeDurably(disk: Disk, file: string, content: string | Buffer, options: DurableWriteOptions = {}): Promise<void> {
  const copy = options.copy ?? `${file}${TEMPORARY_SUFFIX}`;
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  try {
    const handle = await disk.open(copy, 'w');
    try {
      await handle.write(data, 0, data.length, 0);
      await options.afterStep?.('written');
      await handle.datasync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await disk.unlink(copy).catch(() => undefined);
    throw err;
  }
  await options.afterStep?.('synced');
  try {
    await disk.rename(copy, file);
  } catch (err) {
    await disk.unlink(copy).catch(() => undefined);
    throw err;
  }
  await options.afterStep?.('renamed');
  await disk.syncFolder(path.dirname(file));
  await options.afterStep?.('folder-synced');
}

/** Whether a failed write failed for want of space (a full disk, a quota), which frees up by itself. */
export function isOutOfSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Makes a folder and the folders above it that are missing, each fsynced into its parent: a new folder is
 * only a name in its parent until the parent is fsynced, and a power loss before that takes it and every
 * file in it, however well they were fsynced (issue #15).
 */
export async function makeFolder(disk: Disk, folder: string): Promise<void> {
  if (await isFolder(folder)) return;
  const parent = path.dirname(folder);
  if (parent !== folder) await makeFolder(disk, parent);
  await disk.mkdir(folder).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await disk.syncFolder(parent);
}

/**
 * Opens a file to write, creating it when missing, and fsyncs its folder when it did: an fsync of a new file
 * makes its content durable, not its name, and a power loss before the folder is written back takes the file
 * whole, with everything the journal has since moved past (issue #15).
 */
export async function openCreating(disk: Disk, file: string, flags: string): Promise<DiskFile> {
  const existed = await fs.promises.access(file).then(
    () => true,
    () => false,
  );
  const handle = await disk.open(file, flags);
  if (existed) return handle;
  try {
    await disk.syncFolder(path.dirname(file));
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}

async function isFolder(folder: string): Promise<boolean> {
  return fs.promises.stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Waits for every file operation, then throws the first failure: none is left running when the caller hears of one. */
export async function settleAll(operations: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(operations)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
