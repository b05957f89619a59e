import type { Logger } from '../../logger.js';
import { DeletedTextScrub } from './deleted-text-scrub.js';
import { isOutOfSpace } from './disk.js';
import type { MessageQueue } from './message-queue.js';
import type { TextState } from './text-state.js';
import type { UserHistory } from './user-history.js';

/** Compaction rewrites the whole queue: only once this many delivered entries (and half of it) would go. */
export const COMPACT_QUEUE_AT = 1000;

/**
 * What runs between batches, at the committer's quiet point: taking the text of deleted messages away
 * (deleted-text-scrub.ts), and compacting mensagens.txt once delivered entries make up most of it.
 */
export class TextMaintenance {
  /** The text of messages deleted for everyone, on its way out of the files (issue #18). */
  private readonly scrub: DeletedTextScrub;

  constructor(
    private readonly log: Logger,
    private readonly compactQueueAt: number,
    /** Asks the committer for a quiet point (`requestMaintenance`), where `run` takes what was put in line. */
    private readonly askForQuietPoint: () => void,
  ) {
    this.scrub = new DeletedTextScrub(log);
  }

  /** Message `seq`s were deleted for everyone: their text leaves these users' histories (and the queue when `queued`). */
  scrubLater(users: readonly string[], seqs: number | readonly number[], queued: boolean): void {
    for (const seq of typeof seqs === 'number' ? [seqs] : seqs) this.scrub.add(users, seq, queued);
    this.askForQuietPoint();
  }

  /** Message `seq` was edited: the text it replaced leaves these users' histories and the queue (issue #18). */
  scrubEditLater(users: readonly string[], seqs: number | readonly number[]): void {
    for (const seq of typeof seqs === 'number' ? [seqs] : seqs) this.scrub.addEdited(users, seq);
    this.askForQuietPoint();
  }

  /** Both journal files are to start afresh at the next quiet points: a deleted account's lines may be in them. */
  wipeJournal(): void {
    this.scrub.wipeJournal();
    this.askForQuietPoint();
  }

  /** Puts back in line the deletes whose files could not be removed (the sweep of attachments asks); how many. */
  retryReleases(): number {
    return this.scrub.retryReleases();
  }

  async run(
    state: TextState,
    history: (user: string) => Promise<UserHistory>,
    /** Removes a deleted message's attachments (AttachmentFiles.remove): done before its line is blanked. */
    release: (attachmentIds: readonly string[]) => Promise<void>,
  ): Promise<void> {
    const { queue, committer } = state;
    if (this.scrub.due) {
      await this.scrub.run(
        history,
        () => compactQueue(queue, this.log),
        (ops) => committer.submit(ops, () => undefined),
        release,
        (seqs) => blankQueueText(queue, seqs, this.log),
      );
    }
    const { total, delivered } = queue.stats;
    if (delivered >= this.compactQueueAt && delivered * 2 >= total) await compactQueue(queue, this.log);
  }
}

/**
 * Compaction only saves space and start-up time: on a full disk the queue stays as it is (whole: the
 * compaction writes a new file and renames it) and the writes go on (issue #15).
 */
export async function compactQueue(queue: MessageQueue, log: Logger): Promise<void> {
  const { total } = queue.stats;
  try {
    const removed = await queue.compact();
    log.info({ removed, kept: total - removed }, 'compacted mensagens.txt');
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    log.warn({ err }, 'mensagens.txt not compacted: the disk is full');
  }
}

/** As compaction: on a full disk the queue stays whole, and the edits wait for a later round (issue #15). */
async function blankQueueText(queue: MessageQueue, seqs: readonly number[], log: Logger): Promise<number | undefined> {
  try {
    const changed = await queue.blankText(seqs);
    if (changed > 0) log.info({ lines: changed }, 'rewrote mensagens.txt without the text that edits replaced');
    return changed;
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    log.warn({ err }, 'mensagens.txt keeps text that edits replaced: the disk is full');
    return undefined;
  }
}
