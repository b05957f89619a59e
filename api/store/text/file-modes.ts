import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { FILE_MODE, FOLDER_MODE, type Disk } from './disk.js';

/**
 * Takes from the data folder's files and folders every permission bit beyond the owner's read and write
 * (files, FILE_MODE) or read, write and search (folders, FOLDER_MODE): folders made before issue #15 were
 * 0755 and files 0644, so anyone on the machine could read the password hashes and everyone's messages.
 * Bits already off stay off. Symbolic links are left alone: chmod would follow them out of the folder.
 * Returns what it changed, as `path from -> to`.
 */
export async function tightenModes(disk: Disk, dir: string): Promise<string[]> {
  const changed: string[] = [];
  const visit = async (full: string): Promise<void> => {
    const stats = await fsp.lstat(full);
    if (!stats.isDirectory() && !stats.isFile()) return;
    const mode = stats.mode & 0o777;
    const tight = mode & (stats.isDirectory() ? FOLDER_MODE : FILE_MODE);
    if (tight !== mode) {
      await disk.chmod(full, tight);
      changed.push(`${path.relative(dir, full) || '.'} ${octal(mode)} -> ${octal(tight)}`);
    }
    if (stats.isDirectory()) for (const name of await fsp.readdir(full)) await visit(path.join(full, name));
  };
  await visit(dir);
  return changed;
}

/** Tightens the data folder's modes and logs what it changed (issue #15). */
export async function tightenDataFolder(disk: Disk, dir: string, log: Logger): Promise<void> {
  const changed = await tightenModes(disk, dir);
  if (changed.length > 0) log.warn({ folder: dir, changed }, 'tightened the permissions of data files others could read');
}

const octal = (mode: number) => mode.toString(8).padStart(4, '0');
