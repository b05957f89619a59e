import { checksum } from './codec.js';
import { nodeDisk, type Disk, type DiskFile } from './disk.js';

/**
 * The redo journal (`journal.txt`): one message's send touches three files (the queue and two histories), so
 * a crash could leave one written and not the others. Each batch is first appended here whole and fsynced
 * (the commit point), then applied to the data files, which are synced only now and then (a checkpoint, see
 * group-commit.ts); the first batch after a checkpoint starts the journal afresh. At start every complete
 * batch is applied again, in order, and since every operation is idempotent, what was already applied
 * changes nothing. A torn batch (no valid `end` line) never committed: none of it reached the data files,
 * and nobody was told it did; reading stops there.
 *
 * Format (docs/storage.md):
 *   a;<file>;<the exact line to append, without its LF>    file: q (queue), u (users), h:<username> (history)
 *   f;<seq>                                                 set the delivered flag of queue message <seq>
 *   end;<number of lines above>;<crc32 of those lines>
 */

export type FileKey = 'q' | 'u' | `h:${string}`;

export type WriteOp = { kind: 'append'; file: FileKey; line: string } | { kind: 'flip'; seq: number };

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
      ops.push({ kind: 'flip', seq: Number(line.slice(2)) });
      continue;
    }
    const fileEnd = line.indexOf(';', 2);
    if (!line.startsWith('a;') || fileEnd < 0) return undefined;
    ops.push({ kind: 'append', file: line.slice(2, fileEnd) as FileKey, line: `${line.slice(fileEnd + 1)}\n` });
  }
  return ops;
}

/** The journal file: batches appended, started afresh after each checkpoint. */
export class Journal {
  private constructor(private readonly handle: DiskFile) {}

  static async open(path: string, disk: Disk = nodeDisk): Promise<Journal> {
    return new Journal(await disk.open(path, 'a+'));
  }

  async read(): Promise<WriteOp[] | undefined> {
    const { size } = await this.handle.stat();
    const buf = Buffer.alloc(size);
    await this.handle.read(buf, 0, size, 0);
    return decodeJournal(buf.toString('utf8'));
  }

  /**
   * Writes the batch and makes it durable: when this resolves, the batch is committed. `restart` drops the
   * batches before it, which only the caller knows to be safe (every data file synced since). Returns the
   * bytes written.
   */
  async commit(ops: readonly WriteOp[], restart = true): Promise<number> {
    const data = Buffer.from(encodeJournal(ops));
    // 'a+' appends on Linux regardless of position, so start afresh by truncating first: a crash right after
    // the truncate leaves an empty journal, which is correct (the data files were synced before).
    if (restart) await this.handle.truncate(0);
    await this.handle.write(data, 0, data.length);
    await this.handle.datasync();
    return data.length;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
