import pLimit from 'p-limit';
import { settleAll } from './disk.js';
import type { BatchTarget } from './group-commit.js';
import type { AppendOp, FileKey, WriteOp } from './journal.js';
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
    const byFile = new Map<FileKey, AppendOp[]>();
    for (const op of ops) {
      if (op.kind !== 'append') continue;
      const list = byFile.get(op.file) ?? [];
      list.push(op);
      byFile.set(op.file, list);
    }
    const written: Promise<void>[] = [];
    for (const [file, appends] of byFile) {
      if (file === 'u')
        written.push(
          applyUserLines(
            this.store.state,
            appends.map((op) => op.line),
          ),
        );
      // A history is written at the checkpoint (see UserHistory.append): the journal already holds these lines.
      else if (file !== 'q') (await this.store.history(file.slice(2))).append(appends);
    }
    queue.append(byFile.get('q') ?? []);
    for (const op of ops) if (op.kind === 'flip') queue.markDelivered(op.seq);
    written.push(queue.flush());
    await settleAll(written);
  }

  /**
   * Writes what is not written yet and fdatasyncs every data file the operations touched, a few files at a
   * time: a checkpoint runs beside the commits, and a thousand histories synced at once would fill Node's
   * four file-system threads and queue the journal's fsync behind them (issue #4).
   */
  async sync(ops: readonly WriteOp[]): Promise<void> {
    const files = new Set<FileKey>(ops.map((op) => (op.kind === 'append' ? op.file : 'q')));
    const limit = pLimit(CHECKPOINT_FILES_AT_ONCE);
    await settleAll(
      [...files].map((file) =>
        limit(async () => {
          if (file === 'q') await this.store.state.queue.sync();
          else if (file === 'u') await this.store.state.usersFile.datasync();
          else await (await this.store.history(file.slice(2))).sync();
        }),
      ),
    );
  }
}
