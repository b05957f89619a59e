import type { Logger } from '../../logger.js';
import type { TokenKey } from '../store.js';
import type { DataLayout } from './data-layout.js';
import { makeFolder, type Disk } from './disk.js';
import { tightenDataFolder } from './file-modes.js';
import { prepareFormat } from './folder-format.js';
import { Journal } from './journal.js';
import { openSideFiles, type SideFiles } from './side-files.js';
import { closeState, type TextState } from './text-state.js';
import { createTokenKey, readTokenKey } from './token-key-file.js';
import { removeUnfinishedFiles } from './unfinished-files.js';

/** What the start needs of the text store's options (TextStoreOptions, text-store.ts). */
export interface StartOptions {
  log: Logger;
  hashPassword: (plain: string) => Promise<string>;
  sessionTtlMs: number;
  now?: (() => Date) | undefined;
}

/** A locked data folder made ready to load: its format and epoch, its journal and side files, the key kept. */
export interface PreparedFolder {
  epoch: string;
  journal: Journal;
  side: SideFiles;
  /** The key of ids and cursors kept in the folder; none yet, it is made once the state is loaded (`tokenKeyAtStart`). */
  keptKey: TokenKey | undefined;
}

/**
 * The steps of a start between taking the folder's lock and loading the state (text-state-load.ts): modes
 * tightened, files of unfinished writes removed, an old-system folder imported once, the journal and the files
 * beside the messages opened. The caller holds the lock and lets it go if this fails.
 */
export async function prepareDataFolder(files: DataLayout, options: StartOptions, disk: Disk): Promise<PreparedFolder> {
  const { dir } = files;
  await tightenDataFolder(disk, dir, options.log);
  const unfinished = await removeUnfinishedFiles(disk, dir);
  if (unfinished.length > 0) options.log.info({ files: unfinished }, 'removed files left by unfinished writes');
  const epoch = await prepareFormat(dir, options, disk);
  // Read before anything is opened: a damaged key file stops the start (token-key-file.ts).
  const keptKey = await readTokenKey(files.tokenKey);
  await makeFolder(disk, files.histories);
  const journal = await Journal.open(files.journals, disk);
  const now = () => options.now?.() ?? new Date();
  const side = await openSideFiles(files, { sessionTtlMs: options.sessionTtlMs, now, log: options.log }, disk);
  return { epoch, journal, side, keptKey };
}

/**
 * The key kept, or a new one made once the highest sequence number is known: ids up to it may be out there as
 * numbers. It is a write: a folder without one does not start on a full disk (issue #15, item 12), and the
 * state just loaded is closed then.
 */
export async function tokenKeyAtStart(
  disk: Disk,
  files: DataLayout,
  keptKey: TokenKey | undefined,
  state: TextState,
): Promise<TokenKey & { created: boolean }> {
  if (keptKey) return { ...keptKey, created: false };
  const made = await createTokenKey(disk, files.tokenKey, state.seq.committed).catch(async (err: unknown) => {
    await closeState(state).catch(() => undefined);
    throw err;
  });
  return { ...made, created: true };
}
