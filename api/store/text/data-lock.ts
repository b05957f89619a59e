import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors.js';

const LOCK_FILE = 'papo.pid';

/** Folders this process holds: a pid file with our own pid that is not here was left by an earlier process. */
const heldHere = new Set<string>();

/** Thrown when another live server already owns the data folder. */
export class DataFolderBusyError extends Error {
  constructor(folder: string, pid: number) {
    super(`another Papo server (pid ${pid}) is already using the data folder ${folder}; stop it first`);
    this.name = 'DataFolderBusyError';
  }
}

/**
 * One server per data folder: two would interleave appends and each trust its own in-memory indexes.
 * The lock is a pid file created exclusively; a pid file left by a process that no longer runs (kill -9,
 * power loss) is stale and taken over, so a crashed server restarts at once.
 */
export async function lockDataFolder(folder: string): Promise<() => Promise<void>> {
  const file = path.join(folder, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fsp.writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(file);
      return async () => {
        heldHere.delete(file);
        await fsp.rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await fsp.readFile(file, 'utf8').catch(() => ''), 10);
    const ours = owner === process.pid;
    if (Number.isInteger(owner) && owner > 0 && (ours ? heldHere.has(file) : isAlive(owner))) throw new DataFolderBusyError(folder, owner);
    await fsp.rm(file, { force: true });
  }
  throw new AppError('unavailable', `could not lock the data folder ${folder}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
