import { promises as fsp, type promises } from 'node:fs';
import { checksum } from './codec.js';
import { nodeDisk, type Disk } from './disk.js';

/**
 * The redo journal (`journal.txt`): one message's send touches three files (the queue and two histories), so
 * a crash could leave one written and not the others. Each batch is first written here whole and fsynced (the
 * commit point), then applied to the data files; at start a complete journal is applied again, and since
 * every operation is idempotent, what was already applied changes nothing. A torn journal (no valid `end`
 * line) is a batch that never committed: none of it reached the data files, and nobody was told it did.
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

/** The committed batch in a journal file's text, or undefined when it is empty or torn. */
export function decodeJournal(text: string): WriteOp[] | undefined {
  const end = text.startsWith('end;') ? 0 : text.indexOf('\nend;') + 1;
  if (end <= 0 && !text.startsWith('end;')) return undefined;
  const body = text.slice(0, end);
  const endLine = text.slice(end, text.indexOf('\n', end));
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

/** The journal file, rewritten in place for every batch. */
export class Journal {
  private constructor(private readonly handle: promises.FileHandle) {}

  static async open(path: string, disk: Disk = nodeDisk): Promise<Journal> {
    return new Journal(await disk.open(path, 'a+'));
  }

  async read(): Promise<WriteOp[] | undefined> {
    const { size } = await this.handle.stat();
    const buf = Buffer.alloc(size);
    await this.handle.read(buf, 0, size, 0);
    return decodeJournal(buf.toString('utf8'));
  }

  /** Writes the batch and makes it durable: when this resolves, the batch is committed. */
  async commit(ops: readonly WriteOp[]): Promise<void> {
    const data = Buffer.from(encodeJournal(ops));
    // 'a+' appends on Linux regardless of position, so rewrite by truncating first: a crash right after the
    // truncate leaves an empty journal, which is correct (the previous batch's data files were synced).
    await this.handle.truncate(0);
    await this.handle.write(data, 0, data.length);
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
