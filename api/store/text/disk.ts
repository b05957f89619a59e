import fs from 'node:fs';

/**
 * How the text store opens the files it writes: the journal, the queue, the histories and usuarios.txt.
 * Production uses `nodeDisk`; the disk-error tests (test/faults/disk-errors.test.ts) pass one whose handles
 * fail `write` or `datasync` with ENOSPC or EIO on demand (issue #6). A seam at `open` keeps every write path
 * of the store unchanged and needs no patching of `fs`: the store calls what it was given.
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
  open(path: string, flags: string): Promise<DiskFile>;
}

/**
 * A DiskFile on Node's callback API. A FileHandle's promise operation costs about twice the CPU of the same
 * callback one (each makes a FileHandle request with its own buffers): 10 to 19 µs against 6 to 7 µs a
 * write on the development machine, and a message makes several (issue #4).
 */
class NodeFile implements DiskFile {
  constructor(private readonly fd: number) {}

  /**
   * Writes synchronously, on the event loop: the write only reaches the page cache (datasync is what waits
   * for the disk), a few microseconds, while a round trip through libuv's threads cost the event loop more
   * than the write itself (waking a sleeping thread, then the completion back through the loop). The
   * throughput benchmark delivered 4 to 6% more messages a second with this (issue #4).
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

export const nodeDisk: Disk = {
  open: (path, flags) =>
    new Promise((resolve, reject) => fs.open(path, flags, (err, fd) => (err ? reject(err) : resolve(new NodeFile(fd))))),
};

/** Waits for every file operation, then throws the first failure: none is left running when the caller hears of one. */
export async function settleAll(operations: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(operations)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
