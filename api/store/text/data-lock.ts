import fs from 'node:fs';
import path from 'node:path';
import { flockSync } from 'fs-ext';
import { DATA_FILES } from './data-layout.js';
import { isOutOfSpace } from './disk.js';

const LOCK_FILE = DATA_FILES.lock;

/**
 * A problem with the data folder that only its operator can solve (another server on it, a missing file):
 * `api/main.ts` and the command-line tools print its message as one line, without a stack trace.
 */
export class DataFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFolderError';
  }
}

/** Thrown when another live server already owns the data folder. */
export class DataFolderBusyError extends DataFolderError {
  constructor(folder: string, pid: number | undefined) {
    super(`another Papo server${pid === undefined ? '' : ` (pid ${pid})`} is already using the data folder ${folder}; stop it first`);
    this.name = 'DataFolderBusyError';
  }
}

/**
 * One server per data folder: two would interleave appends and each trust its own in-memory indexes.
 *
 * The lock is flock(2) on `papo.pid`, held for as long as the server runs (issue #15): the kernel releases
 * it when the process ends however it ends (kill -9, a crash, a power loss), as SQLite and LevelDB hold
 * theirs. Whatever pid the file holds (a dead server's, pid 1, a zombie's, a pid reused after a reboot) is
 * never consulted to decide: it is written for people (`cat papo.pid`) and for the refusal message only.
 * flock, not fcntl: an fcntl lock belongs to the process, so a second open in this same process would get it
 * too, and closing any descriptor of the file would drop it. The file is never deleted, so two starts can
 * never each lock a different file of the same name.
 */
export async function lockDataFolder(folder: string): Promise<() => Promise<void>> {
  const file = path.join(folder, LOCK_FILE);
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    flockSync(fd, 'exnb');
  } catch (err) {
    const holder = readPid(fd);
    fs.closeSync(fd);
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN' || (err as NodeJS.ErrnoException).code === 'EWOULDBLOCK') {
      throw new DataFolderBusyError(folder, holder);
    }
    throw err;
  }
  fs.ftruncateSync(fd, 0);
  try {
    fs.writeSync(fd, `${process.pid}\n`, 0);
  } catch (err) {
    // The pid is for people and messages only, the lock is the flock: a full disk leaves the file empty, and
    // must not keep the server from starting to serve reads (issue #15, item 12).
    if (!isOutOfSpace(err)) {
      fs.closeSync(fd);
      throw err;
    }
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    // Emptied while still held: a pid left behind would name a process that no longer uses the folder.
    fs.ftruncateSync(fd, 0);
    fs.closeSync(fd);
  };
}

function readPid(fd: number): number | undefined {
  const buf = Buffer.alloc(32);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  const pid = Number.parseInt(buf.toString('utf8', 0, n), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
