import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { DATA_FILES, QUEUE_COMPACTION_COPY, TEMPORARY_SUFFIX } from './data-layout.js';
import type { Disk } from './disk.js';

/**
 * The temporary files of writes that never finished: `<file>.tmp` (writeDurably) and `mensagens.txt.compact`
 * (queue compaction). Each is a copy on its way to replacing a file, and its rename never happened, so the
 * file it was for is still whole and nobody was told the new one exists: a crash or a full disk left it, and
 * it only takes space, which a full disk needs back (issue #15).
 */
const isUnfinished = (name: string) => name.endsWith(TEMPORARY_SUFFIX) || name === QUEUE_COMPACTION_COPY;

/** Removes the unfinished temporary files of the data folder and of historico/; returns their paths. */
export async function removeUnfinishedFiles(disk: Disk, dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const folder of [dir, path.join(dir, DATA_FILES.histories)]) {
    const entries = await fsp.readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile() || !isUnfinished(entry.name)) continue;
      await disk.unlink(path.join(folder, entry.name));
      removed.push(path.relative(dir, path.join(folder, entry.name)));
    }
  }
  return removed;
}
