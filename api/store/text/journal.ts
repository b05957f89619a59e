import { checksum } from './codec.js';
import { nodeDisk, openCreating, settleAll, type Disk, type DiskFile } from './disk.js';
import { encodeHistory, encodeQueue, type HistoryRecord, type QueueLine, type QueueRecord } from './records.js';

/**
 * The redo journal (`journal.txt` and `journal-2.txt`): one message's send touches three files (the queue
 * and two histories), so a crash could leave one written and not the others. Each batch is first appended
 * here whole and fsynced (the commit point), then applied to the data files, which are synced only now and
 * then (a checkpoint, see group-commit.ts). At start every complete batch is applied again, in order, and
 * since every operation is idempotent, what was already applied changes nothing. A torn batch (no valid
 * `end` line) never committed: none of it reached the data files, and nobody was told it did; reading that
 * file stops there.
 *
 * Format (docs/storage.md):
 *   gen;<generation>                                        first line of a file: which of the two is newer
 *   a;<file>;<the exact line to append, without its LF>    file: q (queue), u (users), h:<username> (history)
 *   f;<seq>                                                 set the delivered flag of queue message <seq>
 *   end;<number of lines above>;<crc32 of those lines>
 */

/** The journal's names of the data files: the `<file>` of an `a;` line (docs/storage.md). */
export const QUEUE_FILE = 'q'; // mensagens.txt
export const USERS_FILE = 'u'; // usuarios.txt
const HISTORY_FILE = 'h:'; // h:<username>: historico/history_<username>.txt

export type DataFileKey = typeof QUEUE_FILE | typeof USERS_FILE | `${typeof HISTORY_FILE}${string}`;

export function historyFileKey(username: string): DataFileKey {
  return `${HISTORY_FILE}${username}`;
}

/** Whose history a key names; undefined for the queue and the accounts file. */
export function historyKeyOwner(key: DataFileKey): string | undefined {
  return key.startsWith(HISTORY_FILE) ? key.slice(HISTORY_FILE.length) : undefined;
}

/**
 * An append carries what its line encodes when it was built in this process (`appendHistory`,
 * `appendQueued`): applying it then does not decode the line it was just made from, three decodes a message
 * (issue #4). Replayed ops have only the line.
 */
export type AppendOp = {
  kind: 'append';
  file: DataFileKey;
  line: string;
  history?: HistoryRecord;
  queued?: QueueLine;
};

/** Appends a line to a data file, or sets the delivered flag of queued message `seq` (the journal's `f;`). */
export type WriteOp = AppendOp | { kind: 'markDelivered'; seq: number };

export function appendHistory(user: string, record: HistoryRecord, line = encodeHistory(record)): AppendOp {
  return { kind: 'append', file: historyFileKey(user), line, history: record };
}

export function appendQueued(record: QueueRecord): AppendOp {
  const { line, flagOffset } = encodeQueue(record);
  return { kind: 'append', file: QUEUE_FILE, line, queued: { record, flagOffset } };
}

export function encodeJournal(ops: readonly WriteOp[]): string {
  let body = '';
  for (const op of ops) {
    // Appended lines end with LF; the journal stores them without it, one per journal line.
    body += op.kind === 'append' ? `a;${op.file};${op.line.slice(0, -1)}\n` : `f;${op.seq}\n`;
  }
  return `${body}end;${ops.length};${checksum(body)}\n`;
}

/** The operations of the committed batches in a journal file's text, in order; undefined when there are none. */
export function decodeJournal(text: string): WriteOp[] | undefined {
  const ops: WriteOp[] = [];
  let batches = 0;
  for (let pos = 0; pos < text.length; batches++) {
    let end = pos;
    if (!text.startsWith('end;', pos)) {
      const at = text.indexOf('\nend;', pos);
      if (at < 0) break;
      end = at + 1;
    }
    const endOfLine = text.indexOf('\n', end);
    if (endOfLine < 0) break;
    const batch = decodeBatch(text.slice(pos, end), text.slice(end, endOfLine));
    if (!batch) break;
    ops.push(...batch);
    pos = endOfLine + 1;
  }
  return batches === 0 ? undefined : ops;
}

function decodeBatch(body: string, endLine: string): WriteOp[] | undefined {
  const [, count, sum] = endLine.split(';');
  if (sum !== checksum(body)) return undefined;
  const lines = body === '' ? [] : body.slice(0, -1).split('\n');
  if (String(lines.length) !== count) return undefined;
  const ops: WriteOp[] = [];
  for (const line of lines) {
    if (line.startsWith('f;')) {
      ops.push({ kind: 'markDelivered', seq: Number(line.slice(2)) });
      continue;
    }
    const fileEnd = line.indexOf(';', 2);
    if (!line.startsWith('a;') || fileEnd < 0) return undefined;
    ops.push({ kind: 'append', file: line.slice(2, fileEnd) as DataFileKey, line: `${line.slice(fileEnd + 1)}\n` });
  }
  return ops;
}

/** The first line of a journal file: its generation, so that a start replays the two files in order. */
const HEADER = 'gen;';

/**
 * A journal file's text: its generation (undefined for a file with no header, as the first versions wrote
 * them, which counts as the oldest) and its committed operations (undefined when there are none). A header
 * is written with the file's first batch, in one write: a torn header means no batch ever committed in it.
 */
export function decodeJournalFile(text: string): { generation: number | undefined; ops: WriteOp[] | undefined } {
  if (!text.startsWith(HEADER)) return { generation: undefined, ops: decodeJournal(text) };
  const endOfLine = text.indexOf('\n');
  const generation = Number(text.slice(HEADER.length, endOfLine));
  if (endOfLine < 0 || !Number.isSafeInteger(generation) || generation < 0) return { generation: undefined, ops: undefined };
  return { generation, ops: decodeJournal(text.slice(endOfLine + 1)) };
}

interface JournalFile {
  readonly handle: DiskFile;
  /** Its generation; -1 for an empty file or one written before generations (either is replayed first). */
  generation: number;
}

/**
 * The journal: two files used in turn, so that a checkpoint never stops the commits (issue #4). A checkpoint
 * `rotate`s first: from then on batches go to the other file, started afresh with the next generation, while
 * the checkpoint syncs the data files the batches of the previous one touched. That file is not needed once
 * the checkpoint is done, and is started afresh by the rotation after the next checkpoint, which only begins
 * once this one is done. So at any moment the two files hold consecutive generations, the older one possibly
 * already synced (replaying it again changes nothing), and a start replays both, oldest first.
 */
export class Journal {
  /** The file batches go to, and whether the next batch starts it afresh (truncated, with a new header). */
  private current: JournalFile;
  private fresh = true;

  private constructor(private readonly files: readonly [JournalFile, JournalFile]) {
    // Until `read` finds out which file is older: a fresh folder's first batch goes to journal.txt.
    this.current = files[0];
    this.current.generation = 0;
  }

  static async open(paths: readonly [string, string], disk: Disk = nodeDisk): Promise<Journal> {
    const first = await openCreating(disk, paths[0], 'a+');
    try {
      const second = await openCreating(disk, paths[1], 'a+');
      return new Journal([
        { handle: first, generation: -1 },
        { handle: second, generation: -1 },
      ]);
    } catch (err) {
      await first.close();
      throw err;
    }
  }

  /**
   * The committed operations of both files, oldest generation first; undefined when there are none. The
   * caller applies and syncs them: after that, the next batch starts the older file afresh.
   */
  async read(): Promise<WriteOp[] | undefined> {
    const decoded = await Promise.all(
      this.files.map(async (file) => {
        const { size } = await file.handle.stat();
        const buf = Buffer.alloc(size);
        await file.handle.read(buf, 0, size, 0);
        const { generation, ops } = decodeJournalFile(buf.toString('utf8'));
        file.generation = generation ?? -1;
        return { file, ops };
      }),
    );
    decoded.sort((a, b) => a.file.generation - b.file.generation);
    this.current = decoded[0]?.file ?? this.current;
    this.current.generation = Math.max(...this.files.map((f) => f.generation)) + 1;
    this.fresh = true;
    const ops = decoded.flatMap((d) => d.ops ?? []);
    return decoded.some((d) => d.ops !== undefined) ? ops : undefined;
  }

  /** Whether the next commit starts a file afresh: nothing before it in that file needs keeping. */
  get startsAfresh(): boolean {
    return this.fresh;
  }

  /**
   * Writes the batch and makes it durable: when this resolves, the batch is committed. Returns the bytes
   * written.
   */
  async commit(ops: readonly WriteOp[]): Promise<number> {
    const { handle, generation } = this.current;
    const batch = encodeJournal(ops);
    const data = Buffer.from(this.fresh ? `${HEADER}${generation}\n${batch}` : batch);
    // 'a+' appends on Linux regardless of position, so start afresh by truncating first: a crash right after
    // the truncate leaves an empty file, which is correct (its batches were synced before the rotation).
    if (this.fresh) await handle.truncate(0);
    await handle.write(data, 0, data.length);
    await handle.datasync();
    // A failed first batch leaves the file to be started afresh again by the next one.
    this.fresh = false;
    return data.length;
  }

  /**
   * Sends the next batches to the other file, started afresh. Only the caller knows this to be safe: every
   * data file written by that file's batches must be synced. With nothing committed since the last rotation
   * there is nothing to rotate from (and the other file may hold the newest batches).
   */
  rotate(): void {
    if (this.fresh) return;
    const next = this.files[0] === this.current ? this.files[1] : this.files[0];
    next.generation = this.current.generation + 1;
    this.current = next;
    this.fresh = true;
  }

  async close(): Promise<void> {
    await settleAll(this.files.map((f) => f.handle.close()));
  }
}
