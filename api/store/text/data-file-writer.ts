import pLimit from 'p-limit';
import { settleAll } from './disk.js';
import type { BatchTarget } from './group-commit.js';
import { historyKeyOwner, QUEUE_FILE, USERS_FILE, type AppendOp, type DataFileKey, type WriteOp } from './journal.js';
import type { TextContext } from './text-context.js';
import { applyUserLines } from './text-users.js';

/** Files a checkpoint writes and syncs at once: half of libuv's four threads, the rest left to the commits. */
const CHECKPOINT_FILES_AT_ONCE = 2;

/**
 * Where a committed journal batch goes (group-commit.ts's BatchTarget): the in-memory indexes and the data
 * files, mensagens.txt, usuarios.txt and the histories.
 */
export class DataFileWriter implements BatchTarget {
  constructor(private readonly store: Pick<TextContext, 'state' | 'history'>) {}

  /**
   * Applies a committed batch: the in-memory indexes first, then one write each to the queue (its appends and
   * the delivered flags set in them together) and to usuarios.txt. The histories keep their lines in memory
   * for the checkpoint to write (UserHistory.append).
   */
  async apply(ops: readonly WriteOp[]): Promise<void> {
    const { queue } = this.store.state;
    const byFile = new Map<DataFileKey, AppendOp[]>();
    for (const op of ops) {
      if (op.kind !== 'append') continue;
      const list = byFile.get(op.file) ?? [];
      list.push(op);
      byFile.set(op.file, list);
    }
    const written: Promise<void>[] = [];
    for (const [file, appends] of byFile) {
      const owner = historyKeyOwner(file);
      if (file === USERS_FILE)
        written.push(
          applyUserLines(
            this.store.state,
            appends.map((op) => op.line),
          ),
        );
      // A history is written at the checkpoint (see UserHistory.append): the journal already holds these lines.
      // A deleted account's is not written again (a replay of its last batches, issue #17).
      else if (owner !== undefined && !this.store.state.deleted.has(owner)) (await this.store.history(owner)).append(appends);
    }
    queue.append(byFile.get(QUEUE_FILE) ?? []);
    for (const op of ops) if (op.kind === 'markDelivered') queue.markDelivered(op.seq);
    written.push(queue.flush());
    await settleAll(written);
  }

  /**
   * Writes what is not written yet and fdatasyncs every data file the operations touched, a few files at a
   * time: a checkpoint runs beside the commits, and a thousand histories synced at once would fill Node's
   * four file-system threads and queue the journal's fsync behind them (issue #4).
   */
  async sync(ops: readonly WriteOp[]): Promise<void> {
    const files = new Set<DataFileKey>(ops.map((op) => (op.kind === 'append' ? op.file : QUEUE_FILE)));
    const limit = pLimit(CHECKPOINT_FILES_AT_ONCE);
    await settleAll(
      [...files].map((file) =>
        limit(async () => {
          const owner = historyKeyOwner(file);
          if (file === QUEUE_FILE) await this.store.state.queue.sync();
          else if (file === USERS_FILE) await this.store.state.usersFile.datasync();
          else if (owner !== undefined && !this.store.state.deleted.has(owner)) await (await this.store.history(owner)).sync();
        }),
      ),
    );
  }
}
