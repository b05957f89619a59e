import { promises as fsp } from 'node:fs';

/**
 * How the text store opens the files it writes: the journal, the queue, the histories and usuarios.txt.
 * Production uses `nodeDisk`; the disk-error tests (test/faults/disk-errors.test.ts) pass one whose handles
 * fail `write` or `datasync` with ENOSPC or EIO on demand (issue #6). A seam at `open` keeps every write path
 * of the store unchanged and needs no patching of `fs`: the store calls what it was given.
 */
export interface Disk {
  open(path: string, flags: string): Promise<fsp.FileHandle>;
}

export const nodeDisk: Disk = { open: (path, flags) => fsp.open(path, flags) };
