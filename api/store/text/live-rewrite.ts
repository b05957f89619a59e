import { writeDurably, type Disk, type DiskFile } from './disk.js';

/**
 * Replaces an append-only record file with its live records only (issue #17: a deleted account's lines must
 * leave the file, not only be outvoted by a later line): new file, fsync, rename, fsync of the folder
 * (writeDurably), so a crash leaves the old file or the new one; then the new file is opened for appends and
 * the old descriptor, which names the replaced file, is closed. The caller runs it between two of its writes.
 */
export async function rewriteLive(disk: Disk, file: string, content: string, old: DiskFile): Promise<{ handle: DiskFile; size: number }> {
  await writeDurably(disk, file, content);
  const handle = await disk.open(file, 'a');
  await old.close().catch(() => undefined);
  return { handle, size: (await handle.stat()).size };
}
