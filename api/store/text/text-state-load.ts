import type { Logger } from '../../logger.js';
import { loadAccountFile } from './account-file.js';
import type { DataFileWriter } from './data-file-writer.js';
import type { DataLayout } from './data-layout.js';
import { isOutOfSpace, openCreating, type Disk } from './disk.js';
import { GroupCommitter } from './group-commit.js';
import { historyKeyOwner, type Journal } from './journal.js';
import { reportLoad } from './line-file.js';
import { MessageQueue } from './message-queue.js';
import { decodeHistory } from './records.js';
import { compactQueue } from './text-maintenance.js';
import { closeState, highestHistorySeq, type TextState } from './text-state.js';
import { lockDamagedAccounts } from './text-users.js';
import type { UserHistory } from './user-history.js';

/** What loading the state needs from the store that holds it. */
export interface StateLoadDeps {
  files: DataLayout;
  disk: Disk;
  log: Logger;
  journal: Journal;
  writer: DataFileWriter;
  /** The positions of the state being replaced (a reload), if any. */
  seq: TextState['seq'] | undefined;
  /** Makes `state` the one in use: the replay's writes and history reads go through it. */
  publish: (state: TextState) => void;
  history: (username: string) => Promise<UserHistory>;
  /** Message `seq`s were deleted for everyone: their text leaves these users' histories. */
  scrubLater: (users: readonly string[], seqs: number | readonly number[]) => void;
  /** Message `seq`s were edited: the text the edits replaced leaves these users' histories and the queue. */
  scrubEditLater: (users: readonly string[], seqs: number | readonly number[]) => void;
  onDiskFailure: (err: unknown) => void;
  maintain: () => Promise<void>;
}

export interface LoadedState {
  state: TextState;
  /** Why the state takes no writes yet: the journal could not be re-applied for want of space. */
  outOfSpace?: unknown;
}

/**
 * Builds the in-memory state from the files: at start, and the way back after a disk failure. A journal that
 * cannot be re-applied for want of space (a full disk) still leaves a state that answers every read, the
 * replayed batches included: `outOfSpace` then says why it takes no writes yet (issue #15).
 */
export async function loadTextState(deps: StateLoadDeps): Promise<LoadedState> {
  const { files } = deps;
  const usersPath = files.users;
  const accountFile = await loadAccountFile(usersPath, deps.disk);
  reportLoad(deps.log, usersPath, accountFile.loaded);
  const opened = await MessageQueue.open(files.queue, deps.disk);
  reportLoad(deps.log, opened.queue.file, opened);
  let state: TextState | undefined;
  try {
    state = {
      files,
      queue: opened.queue,
      users: accountFile.accounts,
      locked: new Map(),
      deleted: accountFile.deleted,
      usersFile: await openCreating(deps.disk, usersPath, 'a'),
      histories: new Map(),
      committer: new GroupCommitter(deps.journal, deps.writer, deps.onDiskFailure, deps.maintain),
      // A reload keeps the positions already handed out: a poll during it must not see its cursor as unknown.
      seq: { ...(deps.seq ?? { assigned: 0, committed: 0 }) },
    };
    // Published before the replay (apply and history need it), but writing nothing until the sequence numbers
    // are known: a send in this window would reuse a number the files already hold and be skipped (issue #6).
    state.committer.suspend(new Error('the data files are being loaded'));
    deps.publish(state);
    const replay = await deps.journal.read();
    let outOfSpace: unknown;
    if (replay && replay.length > 0) {
      try {
        await deps.writer.apply(replay);
        await deps.writer.sync(replay);
        deps.log.info({ operations: replay.length }, 'replayed the journal');
      } catch (err) {
        if (!isOutOfSpace(err)) throw err;
        // `apply` indexes every operation in memory before it writes any: the reads see the whole journal.
        outOfSpace = err;
      }
    }
    await lockDamagedAccounts(state, accountFile, deps.log);
    if (outOfSpace === undefined && state.queue.stats.delivered > 0) await compactQueue(state.queue, deps.log);
    let highest = Math.max(state.queue.maxSeq, await highestHistorySeq(files, deps.history));
    // Histories hold replayed records in memory that a full disk kept out of their files.
    for (const h of state.histories.values()) highest = Math.max(highest, (await h).lastSeq);
    state.seq = { assigned: Math.max(highest, state.seq.assigned), committed: Math.max(highest, state.seq.committed) };
    // A server killed between creating a file and fsyncing its folder (openCreating) left a name that only
    // the page cache holds, and it exists now: fsynced here before the journal can move past it (issue #15).
    await deps.disk.syncFolder(files.dir);
    await deps.disk.syncFolder(files.histories);
    if (outOfSpace === undefined) state.committer.recovered();
    else state.committer.suspend(outOfSpace);
    // A delete committed in the journal but not yet in its history files when the server died: the replay
    // appended its `del` after the history was opened (its leftovers counted without it), so its text would
    // stay in the files until the next start. Scrubbed as a live delete is (issue #18); an edit likewise.
    for (const op of replay ?? []) {
      const owner = op.kind === 'append' ? historyKeyOwner(op.file) : undefined;
      if (op.kind !== 'append' || owner === undefined || !(op.line.startsWith('del;') || op.line.startsWith('ed;'))) continue;
      const record = decodeHistory(op.line.slice(0, -1));
      if (record.ok && record.value.kind === 'del') deps.scrubLater([owner], record.value.messageSeq);
      if (record.ok && record.value.kind === 'ed') deps.scrubEditLater([owner], record.value.messageSeq);
    }
    return { state, outOfSpace };
  } catch (err) {
    // A failed load (the disk still failing) must not leak what it opened: the next attempt opens it all again.
    if (state) await closeState(state).catch(() => undefined);
    else await opened.queue.close().catch(() => undefined);
    throw err;
  }
}
