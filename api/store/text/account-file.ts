import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isCanonicalUsername } from '../../names/username.js';
import { DATA_FILES, historyOwner } from './data-layout.js';
import { writeDurably, type Disk } from './disk.js';
import { loadRecordFile, type LoadedFile } from './line-file.js';
import { decodeUser, encodeUser, type UserRecord } from './records.js';

/**
 * `usuarios.txt` and the names it must keep reserved (issue #15, item 2). A damaged line used to be skipped,
 * which freed its name: anyone could sign up with it and inherit its history and stream. Now a name is
 * reserved, its account locked, when
 *  - a line that does not decode starts with that name and a `;` (the hash or checksum is what was damaged;
 *    for a last line cut off as a torn tail, the start of a bcrypt hash must follow too), or
 *  - `historico/history_<name>.txt` exists but no readable line holds the name (the name itself was damaged),
 * and nothing in the journal restores a readable line for it. A damaged line in the middle stays in the file,
 * so the name stays reserved at every start; a damaged last line is cut like any torn tail, so a lock record
 * (`name;!locked;crc`) is appended in its place. `npm run reset-password` rewrites the file without that
 * name's damaged lines and lock records, with a new line for it.
 */

/** The hash field of a lock record: no bcrypt hash looks like it, and no password matches it. */
export const LOCKED_HASH = '!locked';

/**
 * The hash field of a tombstone (issue #17): the account was deleted by its owner and the name is reserved
 * forever. Written by a whole-file rewrite that leaves no other line of that name, so a tombstone damaged
 * later is a damaged line of the name, which locks it: damage never frees a deleted name either.
 */
export const DELETED_HASH = '!deleted';

export interface DamagedAccountLine {
  username: string;
  line: number;
  /** In the torn tail the loader cut off: the file no longer holds it. */
  cut: boolean;
}

export interface AccountFile {
  /** The readable accounts: name -> password hash. */
  accounts: Map<string, string>;
  /** Lines that did not decode and start with a valid username. */
  damaged: DamagedAccountLine[];
  /** Names a lock record holds. */
  marked: Set<string>;
  /** Names a tombstone holds: deleted accounts (a tombstone wins over any other line of the name). */
  deleted: Set<string>;
  loaded: Pick<LoadedFile<UserRecord>, 'tornBytes' | 'damage'>;
}

/** Loads usuarios.txt (cutting a torn tail, as every record file) and finds the names its damaged lines hold. */
export async function loadAccountFile(file: string, disk: Disk): Promise<AccountFile> {
  const raw = await fsp.readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  });
  const loaded = await loadRecordFile(file, decodeUser, disk);
  const accounts = new Map<string, string>();
  const marked = new Set<string>();
  const deleted = new Set<string>();
  for (const { value } of loaded.records) {
    if (value.passwordHash === LOCKED_HASH) marked.add(value.username);
    else if (value.passwordHash === DELETED_HASH) deleted.add(value.username);
    else accounts.set(value.username, value.passwordHash);
  }
  for (const name of deleted) accounts.delete(name);
  const damaged: DamagedAccountLine[] = [];
  let offset = 0;
  const lines = raw.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const start = offset;
    offset += Buffer.byteLength(line) + 1;
    if (line === '' || decodeUser(line).ok) continue;
    const cut = start >= loaded.validEnd;
    const username = nameField(line);
    // A cut line counts only when it still shows a hash (or a lock record's or tombstone's `!`) after the
    // name: garbage left at the end of a file (what some file systems leave after a power loss) reserves nothing.
    const showsHash = line.startsWith(`${username};$2`) || line.startsWith(`${username};!`);
    if (username !== undefined && isCanonicalUsername(username) && (!cut || showsHash)) {
      damaged.push({ username, line: i + 1, cut });
    }
  }
  return { accounts, damaged, marked, deleted, loaded };
}

/**
 * The names to reserve once the journal's replay is done (`accounts` holds what it restored), each with why,
 * and those a lock record must keep reserved because their damaged line was cut off with the torn tail.
 */
export async function lockedAccounts(
  dir: string,
  file: AccountFile,
  accounts: ReadonlyMap<string, string>,
): Promise<{ locked: Map<string, string>; marks: string[] }> {
  const locked = new Map<string, string>();
  // A deleted name is reserved by its tombstone already; a history file left by an unfinished deletion is
  // removed at start (account-deletion.ts), not taken for damage.
  const live = (name: string) => accounts.has(name) || file.deleted.has(name);
  for (const name of file.marked) {
    if (!live(name)) locked.set(name, 'usuarios.txt holds a lock record for it: its line was found damaged at an earlier start');
  }
  const marks: string[] = [];
  for (const d of file.damaged) {
    if (live(d.username)) continue;
    const kept = locked.has(d.username) || file.damaged.some((o) => o.username === d.username && !o.cut);
    if (d.cut && !kept) marks.push(d.username);
    locked.set(d.username, `line ${d.line} of usuarios.txt, its account line, is damaged`);
  }
  for (const owner of await historyOwners(dir)) {
    if (!live(owner) && !locked.has(owner)) locked.set(owner, 'it has a history file but no readable line in usuarios.txt');
  }
  return { locked, marks };
}

/** The names of `historico/history_<name>.txt` files. */
async function historyOwners(dir: string): Promise<string[]> {
  const names = await fsp.readdir(path.join(dir, DATA_FILES.histories)).catch(() => [] as string[]);
  return names.flatMap((name) => {
    const owner = historyOwner(name);
    return owner === undefined ? [] : [owner];
  });
}

/**
 * Rewrites usuarios.txt durably with `username` given `passwordHash`: every line of that name (readable,
 * damaged, or a lock record) left out, every other line kept as it is, one new line for it at the end.
 */
export async function replaceAccountLine(disk: Disk, file: string, username: string, passwordHash: string): Promise<void> {
  const kept = (await fsp.readFile(file, 'utf8')).split('\n').filter((line) => line !== '' && nameField(line) !== username);
  await writeDurably(disk, file, kept.map((line) => `${line}\n`).join('') + encodeUser({ username, passwordHash }));
}

export const lockRecord = (username: string): string => encodeUser({ username, passwordHash: LOCKED_HASH });

/**
 * Rewrites usuarios.txt durably with `username`'s lines replaced by its tombstone (issue #17), written as the
 * first line: a crash only ever tears the last line (an append), and a tombstone cut off whole would leave a
 * valid file that frees the name (it has no history file left to lock it), so a tombstone is never last
 * while the file holds an account line after it (test/faults/torn-blocks-tombstones.test.ts).
 */
export async function writeTombstone(disk: Disk, file: string, username: string): Promise<void> {
  const kept = (await fsp.readFile(file, 'utf8')).split('\n').filter((line) => line !== '' && nameField(line) !== username);
  const lines = [encodeUser({ username, passwordHash: DELETED_HASH }), ...kept.map((line) => `${line}\n`)];
  await writeDurably(disk, file, lines.join(''));
}

/**
 * The first field as written: usernames never need escaping, so a damaged line still shows its name. A line
 * without a `;` shows none (it may have been cut in the middle of the name).
 */
function nameField(line: string): string | undefined {
  const cut = line.indexOf(';');
  return cut < 0 ? undefined : line.slice(0, cut);
}
