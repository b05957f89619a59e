import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { DataFolderError } from './data-lock.js';
import { DATA_FILES, formatLine, FORMAT_READ, newEpoch, parseFormatLine, PAPO_ONLY_FILES } from './data-layout.js';
import { writeDurably, type Disk } from './disk.js';
import {
  importLegacyFolder,
  legacyImportState,
  markLegacyImported,
  parseLegacyHistory,
  parseLegacyQueue,
  parseLegacyUser,
} from './legacy-import.js';
import { decodeHistory, decodeQueue, decodeUser, type Decoded } from './records.js';

/**
 * `papo-format.txt` (`papo-data;<version>;<epoch>`) says a folder is in Papo's format, and which data set it
 * is. Without it a folder used to be taken for the old Python system's and imported, so one deleted file made
 * every password hash a password (issue #15). Now a folder without it is classified positively: the old
 * system's files are imported, an empty folder is a new data set, and anything holding Papo's own records, or
 * nothing either system wrote, is refused with one line that says how to recover.
 */

export const FORMAT_FILE = DATA_FILES.format;
const RECOVERY_DOC = 'docs/storage.md, "When papo-format.txt is missing"';

/** What a folder without papo-format.txt holds. */
export type UnmarkedFolder =
  | { kind: 'empty' }
  /** Only the old system's lines: import it. */
  | { kind: 'legacy' }
  /** An import whose backup is whole but that never wrote papo-format.txt: resume it from the backup. */
  | { kind: 'interrupted-import' }
  /** Papo's own records (`evidence` names one): never an old-system folder. */
  | { kind: 'papo'; evidence: string }
  /** Lines neither Papo nor the old system wrote. */
  | { kind: 'unknown'; evidence: string };

export class MissingFormatFileError extends DataFolderError {
  constructor(dir: string, evidence: string) {
    super(
      `the data folder ${dir} holds Papo's own records (${evidence}) but its ${FORMAT_FILE} is missing, so Papo will not start on it; ` +
        `put ${FORMAT_FILE} back from a backup, or run: npm run repair-format -- --data-dir ${dir} (${RECOVERY_DOC})`,
    );
    this.name = 'MissingFormatFileError';
  }
}

export class UnknownDataFolderError extends DataFolderError {
  constructor(dir: string, evidence: string) {
    super(
      `the data folder ${dir} has no ${FORMAT_FILE} and holds neither Papo's records nor the old system's (${evidence}); ` +
        `check DATA_DIR, or move these files out of the folder`,
    );
    this.name = 'UnknownDataFolderError';
  }
}

/**
 * Checks papo-format.txt, or decides what a folder without it is: imports an old-system folder (or resumes an
 * interrupted import), starts an empty one. Returns the data set's epoch. The caller holds the folder's lock.
 */
export async function prepareFormat(
  dir: string,
  options: { hashPassword: (plain: string) => Promise<string>; log: Logger },
  disk: Disk,
): Promise<string> {
  const epoch = await readFormatFile(dir);
  if (epoch !== undefined) {
    // Marked imported only once papo-format.txt is durable; a crash in between, or a folder imported before
    // the mark existed, is finished here.
    if ((await legacyImportState(dir)) === 'backed-up') await markLegacyImported(disk, dir);
    return epoch;
  }
  const found = await classifyUnmarkedFolder(dir);
  if (found.kind === 'papo') throw new MissingFormatFileError(dir, found.evidence);
  if (found.kind === 'unknown') throw new UnknownDataFolderError(dir, found.evidence);
  if (found.kind === 'legacy' || found.kind === 'interrupted-import') {
    const result = await importLegacyFolder(dir, options.hashPassword, disk);
    for (const warning of result.warnings) options.log.warn({ warning }, 'legacy import');
    options.log.info(
      { users: result.users, messages: result.messages, undelivered: result.undelivered },
      'imported a data folder of the old system (originals kept in backup-legacy/)',
    );
  }
  const created = await writeFormatFile(disk, dir);
  if (found.kind !== 'empty') await markLegacyImported(disk, dir);
  return created;
}

/**
 * `npm run repair-format`: writes a new papo-format.txt, with a new epoch, for a folder that holds Papo's
 * records and lost it. Devices answer the new epoch's 410 by reloading once. The caller holds the lock.
 */
export async function repairFormat(
  disk: Disk,
  dir: string,
): Promise<{ kind: 'present'; epoch: string } | { kind: 'written'; epoch: string }> {
  const present = await readFormatFile(dir);
  if (present !== undefined) return { kind: 'present', epoch: present };
  const found = await classifyUnmarkedFolder(dir);
  switch (found.kind) {
    case 'papo': {
      const epoch = await writeFormatFile(disk, dir);
      if ((await legacyImportState(dir)) !== 'none') await markLegacyImported(disk, dir);
      return { kind: 'written', epoch };
    }
    case 'unknown':
      throw new UnknownDataFolderError(dir, found.evidence);
    case 'empty':
      throw new DataFolderError(
        `the data folder ${dir} holds no data: there is nothing to repair (a server started on it begins a new data set)`,
      );
    case 'legacy':
    case 'interrupted-import':
      throw new DataFolderError(
        `the data folder ${dir} holds the old system's files, not Papo's: there is nothing to repair (a server started on it imports them)`,
      );
  }
}

/** The epoch papo-format.txt holds; undefined when there is no such file; throws when it is not one we read. */
async function readFormatFile(dir: string): Promise<string | undefined> {
  const file = path.join(dir, FORMAT_FILE);
  const text = await fsp.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return undefined;
  const epoch = parseFormatLine(text);
  if (epoch === undefined) throw new DataFolderError(`${file} says ${JSON.stringify(text.trim())}; this server reads ${FORMAT_READ}`);
  return epoch;
}

async function writeFormatFile(disk: Disk, dir: string): Promise<string> {
  const epoch = newEpoch();
  await writeDurably(disk, path.join(dir, FORMAT_FILE), formatLine(epoch));
  return epoch;
}

/** What a folder without papo-format.txt holds, judged by its files and lines (see UnmarkedFolder). */
export async function classifyUnmarkedFolder(dir: string): Promise<UnmarkedFolder> {
  const state = await legacyImportState(dir);
  if (state === 'imported') return { kind: 'papo', evidence: 'backup-legacy/IMPORTED: it was imported from the old system' };
  const names = new Set(await fsp.readdir(dir).catch(() => [] as string[]));
  const papoFile = PAPO_ONLY_FILES.find((name) => names.has(name));
  // An import writes none of these before papo-format.txt: with one of them, the import had finished (before
  // IMPORTED existed) and the folder was used since.
  if (papoFile !== undefined) return { kind: 'papo', evidence: papoFile };
  if (state === 'backed-up') return { kind: 'interrupted-import' };

  const histories = (await fsp.readdir(path.join(dir, DATA_FILES.histories)).catch(() => [] as string[])).sort();
  const files: { rel: string; papo: (line: string) => Decoded<unknown>; old: (line: string) => unknown }[] = [
    { rel: DATA_FILES.users, papo: decodeUser, old: parseLegacyUser },
    { rel: DATA_FILES.queue, papo: decodeQueue, old: parseLegacyQueue },
    ...histories.map((name) => ({ rel: path.join(DATA_FILES.histories, name), papo: decodeHistory, old: parseLegacyHistory })),
  ];
  let oldLines = 0;
  let firstStranger: string | undefined;
  for (const { rel, papo, old } of files) {
    const text = await fsp.readFile(path.join(dir, rel), 'utf8').catch(() => '');
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] ?? '').replace(/\r$/, '');
      if (line.trim() === '') continue;
      if (papo(line).ok) return { kind: 'papo', evidence: `a Papo record at ${rel} line ${i + 1}` };
      if (old(line) !== undefined) oldLines++;
      else firstStranger ??= `${rel} line ${i + 1}`;
    }
  }
  if (oldLines > 0) return { kind: 'legacy' };
  return firstStranger === undefined ? { kind: 'empty' } : { kind: 'unknown', evidence: `${firstStranger} is neither` };
}
