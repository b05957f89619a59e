import { StoreUnavailableError } from '../../errors.js';
import type { BlockRepository } from '../store.js';
import { decodeRecord, encodeRecord } from './codec.js';
import { nodeDisk, type Disk } from './disk.js';
import { loadRecordFile, type LoadedFile } from './line-file.js';
import { RecordAppends, rewriteWithLiveRecords } from './record-appends.js';
import type { Decoded } from './records.js';

export type BlockRecord = { kind: 'b'; blocker: string; blocked: string; at: string } | { kind: 'u'; blocker: string; blocked: string };

/**
 * Who blocked whom (issue #17), on the data folder (`bloqueios.txt`): all of it in memory, every change
 * appended and fsynced before it is acknowledged; the last line for a pair wins. At open the file is rewritten
 * with the live blocks only.
 *
 *   b;<blocker>;<blocked>;<at ISO 8601>;crc     blocker blocked blocked
 *   u;<blocker>;<blocked>;crc                   and unblocked them
 *
 * A damaged line in the middle of the file stops the start: skipping it could quietly unblock someone, and
 * damage never widens access (docs/reliability.md). A torn tail was never acknowledged and is dropped.
 */
export class BlockListFile implements BlockRepository {
  /** blocker -> blocked -> when. */
  private readonly blocks = new Map<string, Map<string, string>>();
  private writing: Promise<void> = Promise.resolve();
  loadReport: Pick<LoadedFile<unknown>, 'tornBytes' | 'damage'> = { tornBytes: 0, damage: [] };
  notCompacted: unknown;

  private constructor(
    private readonly appends: RecordAppends,
    private readonly now: () => Date,
  ) {}

  static async open(file: string, now: () => Date = () => new Date(), disk: Disk = nodeDisk): Promise<BlockListFile> {
    const loaded = await loadRecordFile(file, decodeBlock, disk);
    const [damaged] = loaded.damage;
    if (damaged) {
      throw new Error(
        `${damaged.file} line ${damaged.line} is damaged (${damaged.reason}): refusing to start rather than forget a block; restore the file from a backup or remove that line knowingly`,
      );
    }
    const live = new Map<string, Map<string, string>>();
    for (const { value: r } of loaded.records) {
      const mine = live.get(r.blocker) ?? new Map<string, string>();
      if (r.kind === 'b') mine.set(r.blocked, r.at);
      else mine.delete(r.blocked);
      live.set(r.blocker, mine);
    }
    const lines = [...live].flatMap(([blocker, mine]) =>
      [...mine].map(([blocked, at]) => encodeBlock({ kind: 'b', blocker, blocked, at })),
    );
    const notCompacted = await rewriteWithLiveRecords(disk, file, lines.join(''));
    const list = new BlockListFile(await RecordAppends.open(disk, file), now);
    for (const [blocker, mine] of live) if (mine.size > 0) list.blocks.set(blocker, mine);
    list.loadReport = { tornBytes: loaded.tornBytes, damage: loaded.damage };
    list.notCompacted = notCompacted;
    return list;
  }

  async list(user: string): Promise<{ username: string; at: string }[]> {
    return [...(this.blocks.get(user) ?? [])].map(([username, at]) => ({ username, at }));
  }

  /** Synchronous: the text store's send asks it on every message. */
  has(blocker: string, blocked: string): boolean {
    return this.blocks.get(blocker)?.has(blocked) ?? false;
  }

  async isBlocked(blocker: string, blocked: string): Promise<boolean> {
    return this.has(blocker, blocked);
  }

  async block(blocker: string, blocked: string): Promise<boolean> {
    if (this.has(blocker, blocked)) return false;
    const at = this.now().toISOString();
    await this.append(encodeBlock({ kind: 'b', blocker, blocked, at }));
    const mine = this.blocks.get(blocker) ?? new Map<string, string>();
    mine.set(blocked, at);
    this.blocks.set(blocker, mine);
    return true;
  }

  async unblock(blocker: string, blocked: string): Promise<boolean> {
    if (!this.has(blocker, blocked)) return false;
    await this.append(encodeBlock({ kind: 'u', blocker, blocked }));
    this.blocks.get(blocker)?.delete(blocked);
    return true;
  }

  /**
   * Every block by or of `user` goes (their account is deleted, issue #17): the file is rewritten with the
   * other blocks only (new file, fsync, rename, fsync of the folder), durably before it resolves.
   */
  async forget(user: string): Promise<void> {
    const write = this.writing.then(async () => {
      if (!this.holds(user)) return;
      const lines = [...this.blocks].flatMap(([blocker, mine]) =>
        blocker === user
          ? []
          : [...mine].flatMap(([blocked, at]) => (blocked === user ? [] : [encodeBlock({ kind: 'b', blocker, blocked, at })])),
      );
      await this.appends.replaceAll(lines.join('')).catch((err: unknown) => {
        throw new StoreUnavailableError('the block list could not be written; try again later', err);
      });
      this.blocks.delete(user);
      for (const mine of this.blocks.values()) mine.delete(user);
    });
    this.writing = write.catch(() => undefined);
    return write;
  }

  /** Whether a block by or of `user` is in force (an unfinished deletion is finished at start). */
  holds(user: string): boolean {
    if ((this.blocks.get(user)?.size ?? 0) > 0) return true;
    for (const mine of this.blocks.values()) if (mine.has(user)) return true;
    return false;
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await this.appends.close();
  }

  /**
   * One write at a time, fsynced before the change counts in memory: a block that is not on disk did not
   * happen (the request gets a 503), and a half-written line is cut off the file.
   */
  private append(data: string): Promise<void> {
    const write = this.writing.then(async () => {
      await this.appends.appendSynced(data).catch((err: unknown) => {
        throw new StoreUnavailableError('the block list could not be written; try again later', err);
      });
    });
    this.writing = write.catch(() => undefined);
    return write;
  }
}

export function encodeBlock(r: BlockRecord): string {
  return r.kind === 'b' ? encodeRecord(['b', r.blocker, r.blocked, r.at]) : encodeRecord(['u', r.blocker, r.blocked]);
}

function decodeBlock(line: string): Decoded<BlockRecord> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const [kind, blocker, blocked, at] = r.fields;
  if (kind === 'b' && blocker && blocked && at && r.fields.length === 4) return { ok: true, value: { kind, blocker, blocked, at } };
  if (kind === 'u' && blocker && blocked && r.fields.length === 3) return { ok: true, value: { kind, blocker, blocked } };
  return { ok: false, reason: 'not a block record' };
}
