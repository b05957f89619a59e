import fs from 'node:fs';
import path from 'node:path';
import type { DiskOp, Entry, PowerLossDisk } from './power-loss-disk.js';

/**
 * What a power loss leaves of a folder, from the journal a PowerLossDisk recorded (issue #15). The model,
 * after ALICE (Pillai et al., OSDI 2014) and CrashMonkey (Mohan et al., OSDI 2018):
 *
 * - a file's content survives as it was when its last completed fsync was asked for;
 * - a name created, renamed or removed in a folder survives once that folder was fsynced after it (a new
 *   file whose folder was never fsynced is gone, whatever was fsynced in it);
 * - `synced`: only that. `prefix`: also a random prefix of each file's later writes and of each folder's later
 *   changes, in the order they were made (pages and metadata written back early, as CrashMonkey does);
 *   never a later change without the ones before it.
 *
 * `advance` replays the journal up to a point; `materialize` writes that state as a real folder.
 */
export type Variant = 'synced' | 'prefix';

type DataOp = Extract<DiskOp, { op: 'write' | 'truncate' }>;
type NameOp = { op: 'set'; name: string; entry: Entry } | { op: 'delete'; name: string } | { op: 'move'; from: string; to: string };

interface FileState {
  /** The content the running program sees. */
  content: Buffer;
  size: number;
  /** The content a power loss keeps, and the changes made since the point it was taken at. */
  durable: Buffer;
  pending: DataOp[];
  /** How many changes were ever made to the file, and how many of them `durable` holds. */
  changes: number;
  durableChanges: number;
  /** fsyncs in flight: the content when each was asked for, and how many changes it covers. */
  syncing: Map<number, { content: Buffer; changes: number }>;
}

interface FolderState {
  durable: Map<string, Entry>;
  pending: NameOp[];
  changes: number;
  durableChanges: number;
  syncing: Map<number, { entries: Map<string, Entry>; changes: number }>;
}

/** A seeded random source (mulberry32): the same seed makes the same choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class CrashStates {
  /** Ops of the journal replayed so far. */
  position = 0;
  private readonly files = new Map<number, FileState>();
  private readonly folders = new Map<string, FolderState>();
  /** The namespace the running program sees. */
  private readonly names = new Map<string, Entry>();

  constructor(private readonly disk: PowerLossDisk) {
    this.folders.set('', emptyFolder());
    for (const [rel, entry] of disk.initial.entries) {
      this.names.set(rel, entry);
      if (disk.initial.namesNotDurable.has(rel)) this.changeName(parentOf(rel), { op: 'set', name: baseOf(rel), entry });
      else this.folderOf(parentOf(rel)).durable.set(baseOf(rel), entry);
      if (entry.kind === 'folder') this.folderOf(rel);
      else this.files.set(entry.id, newFile(disk.initial.contents.get(entry.id) ?? Buffer.alloc(0), true));
    }
  }

  /** Replays the journal up to (not including) entry `end`. */
  advance(end: number): void {
    if (end < this.position) throw new Error('the journal only replays forwards');
    for (; this.position < end; this.position++) {
      const op = this.disk.journal[this.position];
      if (op) this.apply(op);
    }
  }

  /** Writes the folder a power loss at the current position leaves into `target` (which must not exist). */
  materialize(target: string, variant: Variant, random: () => number): void {
    const pick = <T>(ops: readonly T[]): readonly T[] =>
      variant === 'synced' ? [] : ops.slice(0, Math.floor(random() * (ops.length + 1)));
    const write = (rel: string, into: string): void => {
      fs.mkdirSync(into, { mode: 0o700 });
      const folder = this.folders.get(rel) ?? emptyFolder();
      const entries = new Map(folder.durable);
      for (const change of pick(folder.pending)) applyName(entries, change);
      for (const [name, entry] of entries) {
        const child = rel === '' ? name : `${rel}/${name}`;
        if (entry.kind === 'folder') write(child, path.join(into, name));
        else fs.writeFileSync(path.join(into, name), this.survivingContent(entry.id, variant, random), { mode: 0o600 });
      }
    };
    write('', target);
  }

  /**
   * The folder as the running program sees it, to compare with the real one: if they differ, something
   * changed the folder without going through the Disk, and the model would be wrong about it.
   */
  visible(): Map<string, Buffer | 'folder'> {
    const out = new Map<string, Buffer | 'folder'>();
    for (const [rel, entry] of this.names) {
      if (entry.kind === 'folder') out.set(rel, 'folder');
      else {
        const f = this.files.get(entry.id);
        out.set(rel, f ? Buffer.from(f.content.subarray(0, f.size)) : Buffer.alloc(0));
      }
    }
    return out;
  }

  private survivingContent(id: number, variant: Variant, random: () => number): Buffer {
    const f = this.files.get(id);
    if (!f) return Buffer.alloc(0);
    if (variant === 'synced' || f.pending.length === 0) return f.durable;
    const replay = newFile(f.durable, false);
    const n = Math.floor(random() * (f.pending.length + 1));
    f.pending.slice(0, n).forEach((op) => applyData(replay, op));
    // The next change, partly: a write torn at any byte.
    const next = f.pending[n];
    if (next?.op === 'write') applyData(replay, { ...next, data: next.data.subarray(0, Math.floor(random() * next.data.length)) });
    return Buffer.from(replay.content.subarray(0, replay.size));
  }

  private apply(op: DiskOp): void {
    switch (op.op) {
      case 'create':
        this.files.set(op.id, newFile(Buffer.alloc(0), true));
        this.setName(op.path, { kind: 'file', id: op.id });
        break;
      case 'mkdir':
        this.folderOf(op.path);
        this.setName(op.path, { kind: 'folder' });
        break;
      case 'rename': {
        const entry = this.names.get(op.from);
        if (!entry) throw new Error(`rename of unknown ${op.from}`);
        this.names.delete(op.from);
        this.names.set(op.to, entry);
        this.changeName(parentOf(op.from), { op: 'move', from: baseOf(op.from), to: baseOf(op.to) });
        break;
      }
      case 'unlink':
        this.names.delete(op.path);
        this.changeName(parentOf(op.path), { op: 'delete', name: baseOf(op.path) });
        break;
      case 'write':
      case 'truncate': {
        const f = this.file(op.id);
        applyData(f, op);
        f.pending.push(op);
        f.changes++;
        break;
      }
      case 'fsync-start': {
        const f = this.file(op.id);
        f.syncing.set(op.token, { content: Buffer.from(f.content.subarray(0, f.size)), changes: f.changes });
        break;
      }
      case 'fsync-end': {
        const f = this.file(op.id);
        const done = f.syncing.get(op.token);
        if (!done) throw new Error(`fsync ${op.token} ended without starting`);
        f.syncing.delete(op.token);
        // Two fsyncs in flight may end in either order: the one asked for later covers more.
        if (done.changes <= f.durableChanges) break;
        f.durable = done.content;
        f.pending = f.pending.slice(done.changes - f.durableChanges);
        f.durableChanges = done.changes;
        break;
      }
      case 'folder-sync-start': {
        const folder = this.folderOf(op.path);
        const entries = new Map(folder.durable);
        folder.pending.forEach((change) => applyName(entries, change));
        folder.syncing.set(op.token, { entries, changes: folder.changes });
        break;
      }
      case 'folder-sync-end': {
        const folder = this.folderOf(op.path);
        const done = folder.syncing.get(op.token);
        if (!done) throw new Error(`folder sync ${op.token} ended without starting`);
        folder.syncing.delete(op.token);
        if (done.changes <= folder.durableChanges) break;
        folder.durable = done.entries;
        folder.pending = folder.pending.slice(done.changes - folder.durableChanges);
        folder.durableChanges = done.changes;
        break;
      }
      case 'mark':
        break;
    }
  }

  private setName(rel: string, entry: Entry): void {
    this.names.set(rel, entry);
    this.changeName(parentOf(rel), { op: 'set', name: baseOf(rel), entry });
  }

  private changeName(folderPath: string, change: NameOp): void {
    const folder = this.folderOf(folderPath);
    folder.pending.push(change);
    folder.changes++;
  }

  private file(id: number): FileState {
    const f = this.files.get(id);
    if (!f) throw new Error(`file ${id} was never created`);
    return f;
  }

  private folderOf(rel: string): FolderState {
    let folder = this.folders.get(rel);
    if (!folder) {
      folder = emptyFolder();
      this.folders.set(rel, folder);
    }
    return folder;
  }
}

function emptyFolder(): FolderState {
  return { durable: new Map(), pending: [], changes: 0, durableChanges: 0, syncing: new Map() };
}

function newFile(content: Buffer, durable: boolean): FileState {
  return {
    content: Buffer.from(content),
    size: content.length,
    durable: durable ? Buffer.from(content) : Buffer.alloc(0),
    pending: [],
    changes: 0,
    durableChanges: 0,
    syncing: new Map(),
  };
}

function applyData(f: FileState, op: DataOp): void {
  if (op.op === 'truncate') {
    if (op.length > f.size) grow(f, op.length);
    f.content.fill(0, op.length, Math.max(op.length, f.size));
    f.size = op.length;
    return;
  }
  const at = op.at === 'end' ? f.size : op.at;
  const end = at + op.data.length;
  if (end > f.content.length) grow(f, end);
  // A write past the end leaves a hole of zeros, which `grow` and `truncate` keep zeroed.
  op.data.copy(f.content, at);
  f.size = Math.max(f.size, end);
}

function grow(f: FileState, atLeast: number): void {
  const bigger = Buffer.alloc(Math.max(atLeast, 2 * f.content.length, 4096));
  f.content.copy(bigger, 0, 0, f.size);
  f.content = bigger;
}

function applyName(entries: Map<string, Entry>, change: NameOp): void {
  if (change.op === 'set') entries.set(change.name, change.entry);
  else if (change.op === 'delete') entries.delete(change.name);
  else {
    const entry = entries.get(change.from);
    entries.delete(change.from);
    if (entry) entries.set(change.to, entry);
  }
}

const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
const baseOf = (rel: string): string => rel.slice(rel.lastIndexOf('/') + 1);
