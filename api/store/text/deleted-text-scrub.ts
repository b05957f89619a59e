import type { Logger } from '../../logger.js';
import type { WriteOp } from './journal.js';
import type { BlankRef } from './history-scrub.js';
import type { RecordRef } from './history-index.js';
import type { UserHistory } from './user-history.js';

/**
 * Where the text of a message deleted for everyone still is, and taking it away (issue #18, "deleted means
 * gone"). After the `del` batch commits, the text is in four places:
 *
 * 1. the two history files: each is rewritten with the message's lines blanked (history-scrub.ts), once the
 *    `del` record itself is in the file (the checkpoint after the delete writes it);
 * 2. mensagens.txt, when the message was still there: the delete marks it delivered, and the queue is
 *    compacted at the same quiet point, which drops its line;
 * 3. the journal's two files: each is started afresh at the first batch after a checkpoint, so two
 *    checkpoints after the rewrites, both have been. On an idle server no batch would come, so the scrub
 *    submits an empty one (a `markDelivered` of message 0, which names no message) after each of the two.
 *
 * Every step runs at the committer's quiet point after a checkpoint (`TextStore.maintain`), the only time no
 * batch or checkpoint writes the files. A checkpoint comes at most 5 s after a batch (50 ms when idle), so the
 * text is gone within three checkpoints: docs/reliability.md states the bound.
 *
 * The message's attachments go before its line is blanked (`release`, idempotent): the line is the only
 * record of which files a deleted message carried, so a crash between the delete and the removal of its
 * files, or a removal that failed, is finished here, at the next quiet point or the next start. A release
 * that fails leaves the line as it is until the next sweep of attachments asks again (`retryReleases`).
 *
 * An edit takes away the text it replaced the same way and within the same bound (issue #18: Papo keeps no
 * edit history): once the latest `ed` is in a history file, the `msg` line's text (not its attachments, reply
 * link, id or time) and every earlier `ed` line's are blanked; the message's line in mensagens.txt, delivered
 * or not, has its text blanked first (delivery reads the text from the histories), so that a crash between
 * the two leaves the history's leftovers, which the next start finds (`UserHistory.editLeftovers`); then the
 * journal starts afresh as after a delete.
 */
export class DeletedTextScrub {
  /** Per user, the deleted messages whose lines may still hold their text. */
  private readonly pending = new Map<string, Set<number>>();
  /** Per user, the edited messages whose lines may still hold the text an edit replaced. */
  private readonly edited = new Map<string, Set<number>>();
  private queueToCompact = false;
  /** Empty batches still to submit, each after a checkpoint, so that both journal files start afresh. */
  private journalWipes = 0;
  /** Deletes whose attachments could not be released: tried again when the sweep asks. */
  private readonly unreleased = new Map<string, Set<number>>();

  constructor(private readonly log: Logger) {}

  /** Puts the deletes whose files could not be released back in line; returns how many. */
  retryReleases(): number {
    let n = 0;
    for (const [user, seqs] of this.unreleased) {
      for (const seq of seqs) this.add([user], seq, false);
      n += seqs.size;
    }
    this.unreleased.clear();
    return n;
  }

  /** Message `seq` was deleted for everyone: scrub it from these users' histories (and the queue when `queued`). */
  add(users: readonly string[], seq: number, queued: boolean): void {
    for (const user of users) {
      const set = this.pending.get(user) ?? new Set<number>();
      set.add(seq);
      this.pending.set(user, set);
    }
    if (queued) this.queueToCompact = true;
  }

  /** Message `seq` was edited: the text it replaced leaves these users' histories and the queue. */
  addEdited(users: readonly string[], seq: number): void {
    for (const user of users) {
      const set = this.edited.get(user) ?? new Set<number>();
      set.add(seq);
      this.edited.set(user, set);
    }
  }

  /**
   * Both journal files are to start afresh, with no history to rewrite first: a deleted account's lines (its
   * sign-up's hash, its messages) may be in them (issue #17). Three, so that the next two rounds each
   * submit an empty batch, as after a rewrite.
   */
  wipeJournal(): void {
    this.journalWipes = Math.max(this.journalWipes, 3);
  }

  get due(): boolean {
    return this.pending.size > 0 || this.edited.size > 0 || this.queueToCompact || this.journalWipes > 0;
  }

  /**
   * One round, at a quiet point: rewrites what can be rewritten now, compacts the queue if asked, and submits
   * the next empty batch. `submit` is the committer's; it resolves once the batch is applied.
   */
  async run(
    history: (user: string) => Promise<UserHistory>,
    compactQueue: () => Promise<void>,
    submit: (ops: WriteOp[]) => Promise<void>,
    release: (attachmentIds: readonly string[]) => Promise<void>,
    blankQueue: (seqs: readonly number[]) => Promise<number | undefined>,
  ): Promise<void> {
    let rewrote = await this.scrubEdits(history, blankQueue);
    for (const [user, seqs] of [...this.pending]) {
      const h = await history(user);
      const written = h.writtenBytes;
      const refs: RecordRef[] = [];
      const ready: number[] = [];
      for (const seq of [...seqs]) {
        const lines = [h.messageRef(seq), ...(h.edits.get(seq) ?? [])].filter((r): r is RecordRef => r !== undefined);
        const del = h.deleted.get(seq);
        // Not all in the file yet: the next checkpoint writes them, and the next round takes them.
        if (!del || [del, ...lines].some((r) => r.offset + r.length > written)) continue;
        refs.push(...lines);
        ready.push(seq);
        seqs.delete(seq);
      }
      if (seqs.size === 0) this.pending.delete(user);
      if (refs.length === 0) continue;
      if (!(await this.released(user, h, ready, release))) continue;
      const changed = await h.rewriteBlanking(refs.sort((a, b) => a.offset - b.offset));
      if (changed > 0) {
        rewrote = true;
        this.log.info({ user, lines: changed }, 'rewrote a history without the text of deleted messages');
      }
    }
    if (this.queueToCompact) {
      this.queueToCompact = false;
      await compactQueue();
      rewrote = true;
    }
    if (rewrote) this.journalWipes = 2;
    else if (this.journalWipes > 0) this.journalWipes--;
    if (this.journalWipes > 0) void submit([{ kind: 'markDelivered', seq: 0 }]).catch(() => undefined);
  }

  /** The edits' round: the queue's lines first, then each history's lines whose latest `ed` is in the file. */
  private async scrubEdits(
    history: (user: string) => Promise<UserHistory>,
    blankQueue: (seqs: readonly number[]) => Promise<number | undefined>,
  ): Promise<boolean> {
    if (this.edited.size === 0) return false;
    const queued = await blankQueue([...new Set([...this.edited.values()].flatMap((s) => [...s]))]);
    // Not written (a full disk): the histories wait too, so that the queue's text is not left with nothing to find it.
    if (queued === undefined) return false;
    let rewrote = queued > 0;
    for (const [user, seqs] of [...this.edited]) {
      const h = await history(user);
      const refs: (RecordRef & BlankRef)[] = [];
      for (const seq of [...seqs]) {
        // No edit here (a withheld message's recipient) or deleted since: nothing to do, or the delete's scrub.
        if (!h.edits.has(seq) || h.deleted.has(seq)) {
          seqs.delete(seq);
          continue;
        }
        const lines = h.replacedTextRefs(seq);
        if (!lines) continue;
        refs.push(...lines);
        seqs.delete(seq);
      }
      if (seqs.size === 0) this.edited.delete(user);
      if (refs.length === 0) continue;
      const changed = await h.rewriteBlanking(refs.sort((a, b) => a.offset - b.offset));
      if (changed > 0) {
        rewrote = true;
        this.log.info({ user, lines: changed }, 'rewrote a history without the text that edits replaced');
      }
    }
    return rewrote;
  }

  /** Releases the files the deleted messages `seqs` still name in `h`; false (and kept for later) when it failed. */
  private async released(user: string, h: UserHistory, seqs: readonly number[], release: (ids: readonly string[]) => Promise<void>) {
    const refs = seqs.flatMap((seq) => h.messageRef(seq) ?? []).filter((r) => !r.unreadable);
    const ids = (await h.records(refs)).flatMap((r) => (r.kind === 'msg' ? (r.attachments ?? []).map((a) => a.id) : []));
    if (ids.length === 0) return true;
    try {
      await release(ids);
      return true;
    } catch (err) {
      this.log.warn({ err, user, messages: seqs }, "could not remove a deleted message's files: they go at the next sweep");
      const set = this.unreleased.get(user) ?? new Set<number>();
      for (const seq of seqs) set.add(seq);
      this.unreleased.set(user, set);
      return false;
    }
  }
}
