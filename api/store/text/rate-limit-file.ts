import { decodeRecord, encodeRecord } from './codec.js';
import { isOutOfSpace, nodeDisk, openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';
import { loadRecordFile, type LoadedFile } from './line-file.js';
import type { Decoded } from './records.js';
import type { RateCounter, RateLimitRepository } from '../store.js';
import { RateCounters } from '../rate-counter.js';

/**
 * The rate-limit counters on the data folder (`limites.txt`), so a restart does not reset them (issue #6).
 * Counters live in memory; every change appends the counter's new value (the last line for a key wins):
 *
 *   r;<key>;<count>;<resetAt ms>;crc
 *
 * Appends are written at once but not fsynced: a counter survives a crash or restart of the process (the
 * page cache keeps it), and a power loss may cost the last few hits, which only matters for minutes. At
 * open the file is rewritten with the live counters only.
 *
 * A counter that cannot be written (a full disk) still counts, in memory, and goes out with the next write
 * that succeeds: refusing logins for want of disk space would lock everyone out (issue #15).
 */
export class RateLimitFile implements RateLimitRepository {
  private readonly counters = new RateCounters();
  private writing: Promise<void> = Promise.resolve();
  /** Keys whose latest count is not in the file yet. */
  private readonly unwritten = new Set<string>();
  /** Bytes of whole lines in the file: a failed write is cut back to it. */
  private fileSize = 0;
  loadReport: Pick<LoadedFile<unknown>, 'tornBytes' | 'damage'> = { tornBytes: 0, damage: [] };
  /** Why the file was not rewritten with the live counters only at open (a full disk), if it was not. */
  notCompacted: unknown;

  private constructor(private readonly handle: DiskFile) {}

  static async open(file: string, now: number = Date.now(), disk: Disk = nodeDisk): Promise<RateLimitFile> {
    const loaded = await loadRecordFile(file, decodeCounter, disk);
    const live = new Map<string, RateCounter>();
    for (const { value } of loaded.records) live.set(value.key, { count: value.count, resetAt: value.resetAt });
    for (const [key, c] of live) if (c.resetAt <= now) live.delete(key);
    let notCompacted: unknown;
    await writeDurably(disk, file, [...live].map(([key, c]) => encodeCounter(key, c)).join('')).catch((err: unknown) => {
      if (!isOutOfSpace(err)) throw err;
      notCompacted = err;
    });
    const handle = await openCreating(disk, file, 'a');
    const limits = new RateLimitFile(handle);
    for (const [key, c] of live) limits.counters.set(key, c);
    limits.fileSize = (await handle.stat()).size;
    limits.loadReport = { tornBytes: loaded.tornBytes, damage: loaded.damage };
    limits.notCompacted = notCompacted;
    return limits;
  }

  async get(key: string, now: number): Promise<RateCounter> {
    return this.counters.get(key, now);
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateCounter> {
    const next = this.counters.hit(key, windowMs, now);
    await this.append(key);
    return next;
  }

  async reset(key: string): Promise<void> {
    if (!this.counters.delete(key)) return;
    await this.append(key);
  }

  async close(): Promise<void> {
    await this.writing;
    await this.handle.close();
  }

  /**
   * Writes the counter's current value (a forgotten one as 0), with every other not written yet; one write
   * at a time, so lines never interleave. A failed write is cut off the file and its keys wait for the next.
   */
  private append(key: string): Promise<void> {
    this.unwritten.add(key);
    const write = this.writing.then(async () => {
      if (this.unwritten.size === 0) return; // an earlier write took it along
      const keys = [...this.unwritten];
      this.unwritten.clear();
      const data = keys.map((k) => encodeCounter(k, this.counters.stored(k) ?? { count: 0, resetAt: 0 })).join('');
      try {
        await this.handle.write(data);
        this.fileSize += Buffer.byteLength(data);
      } catch {
        await this.handle.truncate(this.fileSize).catch(() => undefined);
        for (const k of keys) this.unwritten.add(k);
      }
    });
    this.writing = write;
    return write;
  }
}

function encodeCounter(key: string, c: RateCounter): string {
  return encodeRecord(['r', key, String(c.count), String(c.resetAt)]);
}

function decodeCounter(line: string): Decoded<{ key: string; count: number; resetAt: number }> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const [kind, key, count, resetAt] = r.fields;
  if (kind !== 'r' || !key || !/^\d+$/.test(count ?? '') || !/^\d+$/.test(resetAt ?? '') || r.fields.length !== 4) {
    return { ok: false, reason: 'not a rate-limit record' };
  }
  return { ok: true, value: { key, count: Number(count), resetAt: Number(resetAt) } };
}
