import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Disk } from './disk.js';

/**
 * The temporary files of writes that never finished: `<file>.tmp` (writeDurably) and `mensagens.txt.compact`
 * (queue compaction). Each is a copy on its way to replacing a file, and its rename never happened, so the
 * file it was for is still whole and nobody was told the new one exists: a crash or a full disk left it, and
 * it only takes space, which a full disk needs back (issue #15).
 */
const UNFINISHED = /(\.tmp|^mensagens\.txt\.compact)$/;

/** Removes the unfinished temporary files of the data folder and of historico/; returns their paths. */
export async function removeUnfinishedFiles(disk: Disk, dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const folder of [dir, path.join(dir, 'historico')]) {
    const entries = await fsp.readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile() || !UNFINISHED.test(entry.name)) continue;
      await disk.unlink(path.join(folder, entry.name));
      removed.push(path.relative(dir, path.join(folder, entry.name)));
    }
  }
  return removed;
}
