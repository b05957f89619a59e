import fs from 'node:fs';
import path from 'node:path';
import { nodeDisk, type Disk, type DiskFile } from '../../../api/store/text/disk.js';

/**
 * A Disk for the power-loss tests (issue #15): it passes every operation to the real folder under `root`, so
 * the store runs as it always does, and writes down, in order, every change it made there: a journal of
 * file creations, writes, truncations, renames, removals and folder creations, each fsync of a file and of
 * a folder (when it was asked for and when it ended), and the test's own marks (what a client was told)
 * between them. `CrashStates` (crash-states.ts) replays that journal to build the folder a power loss at
 * any point of it would leave. This is the record-and-replay of CrashMonkey (Mohan et al., OSDI 2018).
 *
 * Paths in the journal are relative to `root`, with `/` between names. Files are known by an id, not by
 * name: a rename moves the id to a new name, and what a name held before stays what an unsynced folder
 * still points at.
 */
export type DiskOp =
  | { op: 'create'; path: string; id: number }
  | { op: 'mkdir'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'unlink'; path: string }
  | { op: 'write'; id: number; at: number | 'end'; data: Buffer }
  | { op: 'truncate'; id: number; length: number }
  /** An fsync was asked for: it covers what was written before this point, and nothing later. */
  | { op: 'fsync-start'; id: number; token: number }
  /** That fsync ended: from here on, what it covered survives a power loss. */
  | { op: 'fsync-end'; id: number; token: number }
  | { op: 'folder-sync-start'; path: string; token: number }
  | { op: 'folder-sync-end'; path: string; token: number }
  /** Something the test saw happen (a 201 received...): what must survive a cut after this point. */
  | { op: 'mark'; event: unknown };

/** A file or a folder of the recorded namespace. */
export type Entry = { kind: 'file'; id: number } | { kind: 'folder' };

/** Files no Disk writes: the data-folder lock (api/store/text/data-lock.ts) is not data, and a power loss frees it. */
export const OUTSIDE_THE_DISK = new Set(['papo.pid']);

export class PowerLossDisk implements Disk {
  readonly journal: DiskOp[] = [];
  /** The folder as it was when recording began: every file in it durable, with its content. */
  readonly initial: { entries: Map<string, Entry>; contents: Map<number, Buffer>; namesNotDurable: ReadonlySet<string> };
  /** Names as the running store sees them now. */
  private readonly names = new Map<string, Entry>();
  private nextId = 1;
  private nextToken = 1;

  /**
   * `namesNotDurable`: files already there whose names are not on the disk yet (a process killed before it
   * fsynced their folder left them in the page cache only); their content counts as durable.
   */
  constructor(
    readonly root: string,
    options: { namesNotDurable?: readonly string[] } = {},
    private readonly inner: Disk = nodeDisk,
  ) {
    const contents = new Map<number, Buffer>();
    for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
      const rel = this.rel(path.join(entry.parentPath, entry.name));
      if (entry.isDirectory()) this.names.set(rel, { kind: 'folder' });
      else if (entry.isFile() && !OUTSIDE_THE_DISK.has(path.basename(rel))) {
        const id = this.nextId++;
        this.names.set(rel, { kind: 'file', id });
        contents.set(id, fs.readFileSync(path.join(root, rel)));
      }
    }
    this.initial = { entries: new Map(this.names), contents, namesNotDurable: new Set(options.namesNotDurable) };
  }

  /** Writes down something the test saw, between the disk operations that came before and after it. */
  mark(event: unknown): void {
    this.journal.push({ op: 'mark', event });
  }

  async open(file: string, flags: string): Promise<DiskFile> {
    const rel = this.rel(file);
    const known = this.names.get(rel);
    if (known?.kind === 'folder') throw new Error(`${rel} is a folder`);
    if (!known && fs.existsSync(file))
      throw new Error(`${rel} exists but was not made through the Disk: the power-loss model would miss it`);
    const handle = await this.inner.open(file, flags);
    let id: number;
    if (known) {
      id = known.id;
      if (flags.startsWith('w')) this.journal.push({ op: 'truncate', id, length: 0 });
    } else {
      id = this.nextId++;
      this.names.set(rel, { kind: 'file', id });
      this.journal.push({ op: 'create', path: rel, id });
    }
    return new RecordingFile(handle, id, flags.startsWith('a'), this.journal, () => this.nextToken++);
  }

  async mkdir(folder: string): Promise<void> {
    await this.inner.mkdir(folder);
    const rel = this.rel(folder);
    this.names.set(rel, { kind: 'folder' });
    this.journal.push({ op: 'mkdir', path: rel });
  }

  async rename(from: string, to: string): Promise<void> {
    const relFrom = this.rel(from);
    const relTo = this.rel(to);
    const entry = this.names.get(relFrom);
    if (entry?.kind !== 'file') throw new Error(`rename of ${relFrom}, which the Disk never made`);
    // A rename across folders changes two folders, which the model keeps apart; the store never does one.
    if (path.posix.dirname(relFrom) !== path.posix.dirname(relTo)) throw new Error(`rename across folders: ${relFrom} -> ${relTo}`);
    await this.inner.rename(from, to);
    this.names.delete(relFrom);
    this.names.set(relTo, entry);
    this.journal.push({ op: 'rename', from: relFrom, to: relTo });
  }

  async unlink(file: string): Promise<void> {
    const rel = this.rel(file);
    await this.inner.unlink(file);
    this.names.delete(rel);
    this.journal.push({ op: 'unlink', path: rel });
  }

  async truncate(file: string, length: number): Promise<void> {
    const entry = this.names.get(this.rel(file));
    if (entry?.kind !== 'file') throw new Error(`truncate of ${this.rel(file)}, which the Disk never made`);
    await this.inner.truncate(file, length);
    this.journal.push({ op: 'truncate', id: entry.id, length });
  }

  chmod(file: string, mode: number): Promise<void> {
    return this.inner.chmod(file, mode);
  }

  async syncFolder(folder: string): Promise<void> {
    const rel = this.rel(folder);
    const token = this.nextToken++;
    this.journal.push({ op: 'folder-sync-start', path: rel, token });
    await this.inner.syncFolder(folder);
    this.journal.push({ op: 'folder-sync-end', path: rel, token });
  }

  private rel(file: string): string {
    const rel = path.relative(this.root, path.resolve(file));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${file} is outside ${this.root}`);
    return rel.split(path.sep).join('/');
  }
}

/** A file of the store, with every change written down before it is made. */
class RecordingFile implements DiskFile {
  /** Where a write without a position lands in a file not opened for append. */
  private position = 0;

  constructor(
    private readonly inner: DiskFile,
    private readonly id: number,
    private readonly append: boolean,
    private readonly journal: DiskOp[],
    private readonly token: () => number,
  ) {}

  write(data: string): Promise<unknown>;
  write(data: Buffer, offset: number, length: number, position?: number | null): Promise<unknown>;
  write(data: string | Buffer, offset = 0, length?: number, position: number | null = null): Promise<unknown> {
    const bytes = Buffer.from(
      typeof data === 'string' ? Buffer.from(data) : data.subarray(offset, offset + (length ?? data.length - offset)),
    );
    // On Linux a positioned write to a file opened for append still appends (pwrite with O_APPEND).
    const at = position ?? this.position;
    if (position === null) this.position += bytes.length;
    this.journal.push({ op: 'write', id: this.id, at: this.append ? 'end' : at, data: bytes });
    // The store's file writes synchronously (NodeFile.write): nothing comes between this entry and the write.
    return this.inner.write(bytes, 0, bytes.length, this.append ? null : at);
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return this.inner.read(buffer, offset, length, position);
  }

  async datasync(): Promise<void> {
    const token = this.token();
    this.journal.push({ op: 'fsync-start', id: this.id, token });
    await this.inner.datasync();
    this.journal.push({ op: 'fsync-end', id: this.id, token });
  }

  async truncate(length: number): Promise<void> {
    await this.inner.truncate(length);
    this.journal.push({ op: 'truncate', id: this.id, length });
  }

  stat(): Promise<{ size: number }> {
    return this.inner.stat();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
