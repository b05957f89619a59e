import { promises as fsp } from 'node:fs';
import { nodeDisk, openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';
import { HistoryIndex, type RecordRef } from './history-index.js';
import { deletedTextLeft, replacedTextLeft } from './history-leftovers.js';
import { readRange, readSpans } from './history-range-read.js';
import { blankLines, blankRecord, type BlankRef } from './history-scrub.js';
import { loadRecordFile, type Damage, type LoadedRecord } from './line-file.js';
import { decodeHistory, type HistoryRecord } from './records.js';
import { firstAbove } from './sorted-search.js';
import { SearchIndex } from './text-search-index.js';
import { neighbour, unreadableMessage, type UnreadableMessage } from './unreadable-message.js';

/**
 * One user's history file, `historico/history_{user}.txt`, indexed in memory (history-index.ts: every
 * reader asks the history its index directly, so the file is an index that also has a file). The file is
 * the user's stream: messages sent and received, and the status changes of the messages they sent, in
 * sequence order.
 *
 * The records appended since the last checkpoint are also kept decoded (the tail): a poll answer is nearly
 * always about what was just appended, and reading it back from the file cost a positioned read and a decode
 * per answer (issue #4). The checkpoint, which syncs the file, drops the tail, so it never holds more than
 * the last second or so of traffic.
 */
export class UserHistory extends HistoryIndex {
  /** Deleted messages whose text this file still held when it was opened (deleted-text-scrub.ts). */
  leftovers: number[] = [];
  /** Edited messages whose replaced text (the `msg` line's, an earlier `ed` line's) this file still held when opened. */
  editLeftovers: number[] = [];
  /** Bytes of the file, with what is appended but not written yet. */
  private size = 0;
  /** Lines appended and indexed but not written to the file yet (the checkpoint writes them). */
  private unwritten = '';
  /** Records appended since the last checkpoint, in order, and the file offset where the first one starts. */
  private tail: HistoryRecord[] = [];
  private tailStart = 0;
  /**
   * The file, opened on the first write or read of it: most users' first poll finds nothing to read, and
   * thousands of idle polls need not hold a file descriptor each (issue #4).
   */
  private opened: Promise<DiskFile> | undefined;
  /** A rewrite of the file in progress (`rewriteBlanking`): a checkpoint's write waits for it. */
  private rewriting: Promise<unknown> = Promise.resolve();
  /** The search index once a search asked for it (`searchIndex`). */
  private searchable: Promise<SearchIndex> | undefined;

  private constructor(
    username: string,
    readonly path: string,
    private readonly disk: Disk,
  ) {
    super(username);
  }

  static async open(
    username: string,
    path: string,
    disk: Disk = nodeDisk,
  ): Promise<{ history: UserHistory; tornBytes: number; damage: Damage[] }> {
    const loaded = await loadRecordFile(path, decodeHistory, disk);
    const history = new UserHistory(username, path, disk);
    for (const r of loaded.records) history.index(r.value, r.offset, r.length);
    if (loaded.damage.length > 0) await history.placeAllUnreadable(loaded.records, loaded.damage);
    if (history.deleted.size > 0) history.leftovers = deletedTextLeft(history, loaded.records);
    if (history.edits.size > 0) history.editLeftovers = replacedTextLeft(history, loaded.records);
    history.size = loaded.validEnd;
    history.tailStart = loaded.validEnd;
    return { history, tornBytes: loaded.tornBytes, damage: loaded.damage };
  }

  /**
   * Indexes record lines (already committed in the journal) and keeps them for the checkpoint to write: the
   * journal makes them durable, the tail answers reads of them, so writing each batch to every history it
   * touches bought nothing but a write per message per side (issue #4). A line comes with its record when
   * it was made in this process, and is decoded otherwise (journal replay).
   * Lines at or below `lastSeq` are skipped: that is what makes a journal replay idempotent.
   */
  append(appends: readonly { line: string; history?: HistoryRecord }[]): void {
    for (const { line, history } of appends) {
      const record = history ?? decoded(line);
      if (record.seq <= this.lastSeq) continue;
      const bytes = Buffer.byteLength(line);
      this.index(record, this.size, bytes);
      this.tail.push(record);
      this.unwritten += line;
      this.size += bytes;
    }
  }

  /**
   * The checkpoint: writes what was appended since the last one, in one write, and fdatasyncs it. Lines
   * appended while it runs are left for the next one, and the tail keeps them until then.
   */
  async sync(): Promise<void> {
    await this.rewriting;
    const data = this.unwritten;
    const end = this.size;
    const written = this.tail.length;
    this.unwritten = '';
    const file = await this.handle();
    if (data !== '') await file.write(data);
    await file.datasync();
    this.tail = this.tail.slice(written);
    this.tailStart = end;
  }

  async close(): Promise<void> {
    await this.rewriting;
    const handle = await this.opened?.catch(() => undefined);
    await handle?.close();
  }

  /**
   * Rewrites the file with the text of the records at `refs` blanked (history-scrub.ts): a new file, fsync,
   * rename, fsync of the folder, so a crash leaves the old file or the new one. The lines keep their length,
   * so every offset in memory stays true. Only records already in the file are blanked: the caller asks again
   * for the others after the next checkpoint. Returns how many lines changed. Must not run beside `sync`
   * (the text store runs it at the committer's quiet point).
   */
  async rewriteBlanking(refs: readonly (RecordRef & BlankRef)[]): Promise<number> {
    const work = this.rewriting.then(async () => {
      const end = this.writtenBytes;
      const buf = await fsp.readFile(this.path);
      const changed = blankLines(
        buf,
        refs.filter((r) => !r.unreadable && r.offset + r.length <= Math.min(end, buf.length)),
      );
      if (changed === 0) return 0;
      await writeDurably(this.disk, this.path, buf);
      // The old descriptor names the old file: reads begun on it may still use it, so it is closed a moment later.
      const old = this.opened;
      this.opened = undefined;
      setTimeout(() => void old?.then((h) => h.close()).catch(() => undefined), 2000).unref();
      // Records of the tail are answered from memory: they must not keep the text either.
      this.tail = this.tail.map((r) => {
        const ref = refs.find((b) => b.seq === r.seq);
        return ref ? blankRecord(r, ref.keepAttachments) : r;
      });
      return changed;
    });
    this.rewriting = work.then(
      () => undefined,
      () => undefined,
    );
    return work;
  }

  /**
   * The records at `refs` (ascending), in order: the tail's from memory, older ones with positioned reads.
   * Placeholders (`unreadable`) are left out: they have no record.
   */
  async records(all: readonly RecordRef[]): Promise<HistoryRecord[]> {
    const refs = all.some((r) => r.unreadable) ? all.filter((r) => !r.unreadable) : all;
    let split = refs.length;
    while (split > 0 && (refs[split - 1]?.offset ?? 0) >= this.tailStart) split--;
    // Taken before any await: a checkpoint may drop the tail meanwhile.
    const fromTail = refs.slice(split).flatMap((ref) => {
      const record = this.tail[firstAbove(this.tail, ref.seq - 1, (r) => r.seq)];
      return record?.seq === ref.seq ? [record] : [];
    });
    if (split === 0) return fromTail;
    return [...(await readRange(() => this.handle(), refs.slice(0, split))), ...fromTail];
  }

  /**
   * This history's search index (text-search-index.ts), built on the user's first search, then kept current
   * as records are indexed. Not built at load: it was about half of the first load of a long history (3.5 of
   * 8 s at a million lines) and of its memory, and two passes over each message's words at every send, for
   * every user, searching or not (docs/performance.md, "A search index for those who search").
   */
  searchIndex(): Promise<SearchIndex> {
    this.searchable ??= this.buildSearchIndex().catch((err: unknown) => {
      // Tried again at the next search; the records indexed meanwhile are in `messages` and `edits` by then.
      this.words = undefined;
      this.searchable = undefined;
      throw err;
    });
    return this.searchable;
  }

  /**
   * Reads the words of every message and edit indexed so far, a span of the file at a time. The refs are
   * taken, and the index put in place for `index` to feed, in one step: a record indexed while the reads run
   * is one the refs do not hold, so each record is added once.
   */
  private async buildSearchIndex(): Promise<SearchIndex> {
    const index = new SearchIndex();
    const refs = [...this.messages.filter((r) => !r.unreadable), ...[...this.edits.values()].flat()].sort((a, b) => a.seq - b.seq);
    this.words = index;
    for (const span of readSpans(refs)) for (const record of await this.records(span)) index.add(record);
    index.seal();
    return index;
  }

  /** Puts a placeholder where each damaged line in the middle of the file was (unreadable-message.ts). */
  private async placeAllUnreadable(records: readonly LoadedRecord<HistoryRecord>[], damage: readonly Damage[]): Promise<void> {
    const file = await fsp.open(this.path, 'r');
    try {
      let next = 0;
      let placed: UnreadableMessage | undefined;
      for (const d of damage) {
        const gap = next;
        while (next < records.length && (records[next]?.offset ?? 0) < d.offset) next++;
        const after = records[next];
        if (!after) continue;
        if (next !== gap) placed = undefined;
        const before = records[next - 1];
        const buf = Buffer.alloc(d.length);
        await file.read(buf, 0, d.length, d.offset);
        const previous = placed ? { seq: placed.seq, at: placed.sentAt } : before && neighbour(before.value);
        const u = unreadableMessage(this.username, buf.toString('utf8').replace(/\n$/, ''), previous, neighbour(after.value));
        if (!u) continue;
        placed = u;
        this.placeUnreadable(u, d.offset, d.length);
      }
    } finally {
      await file.close();
    }
  }

  private handle(): Promise<DiskFile> {
    // A failed open is tried again next time rather than remembered.
    this.opened ??= openCreating(this.disk, this.path, 'a+').catch((err: unknown) => {
      this.opened = undefined;
      throw err;
    });
    return this.opened;
  }

  /**
   * The lines of edited message `seq` whose text the latest edit replaced (issue #18): its `msg` line (text
   * only) and every `ed` line but the last. Undefined while the last `ed` is not in the file yet (the next
   * checkpoint writes it), or when the message has no edit or is deleted (the delete scrub takes it all).
   */
  replacedTextRefs(seq: number): (RecordRef & BlankRef)[] | undefined {
    const edits = this.edits.get(seq);
    const last = edits?.at(-1);
    if (!edits || !last || this.deleted.has(seq)) return undefined;
    if (last.offset + last.length > this.writtenBytes) return undefined;
    const msg = this.messageRef(seq);
    return [...(msg && !msg.unreadable ? [{ ...msg, keepAttachments: true }] : []), ...edits.slice(0, -1)];
  }

  /** Bytes of the file that are written (the rest, appended since, waits in memory for the checkpoint). */
  get writtenBytes(): number {
    return this.size - Buffer.byteLength(this.unwritten);
  }
}

function decoded(line: string): HistoryRecord {
  const d = decodeHistory(line.slice(0, -1));
  if (!d.ok) throw new Error(`refusing to append a bad history record: ${d.reason}`);
  return d.value;
}
