import session, { type SessionData } from 'express-session';
import { sessionKey } from '../session-key.js';
import type { SessionEndWatcher } from '../store.js';
import { decodeRecord, encodeRecord } from './codec.js';
import { nodeDisk, writeDurably, type Disk, type DiskFile } from './disk.js';
import { loadRecordFile, type LoadedFile } from './line-file.js';
import type { Decoded } from './records.js';

/**
 * express-session's store on the data folder (`sessions.txt`), so a phone stays logged in across restarts.
 * Sessions live in memory (a request's session check never touches the disk); every change is appended to
 * the file and fsynced before the response goes out. The file holds a SHA-256 of each session id, never the
 * id itself: a copy of the data folder does not log anyone in.
 *
 *   s;<sha256(sid)>;<expires ms>;<session JSON>;crc     the session now holds this
 *   d;<sha256(sid)>;crc                                 the session was destroyed
 */

interface Entry {
  json: string;
  /** `json` parsed, once: see `get`. */
  parsed?: SessionData;
  expires: number;
  /** Expiry last written to the file: touches within the hour are kept in memory only. */
  persistedExpires: number;
}

export type SessionRecord = { kind: 's'; key: string; expires: number; json: string } | { kind: 'd'; key: string };

const TOUCH_PERSIST_MS = 60 * 60 * 1000;
/** Session ids whose hash is remembered: more than the held polls the server allows (MAX_HELD_POLLS). */
const HASHES_KEPT = 20_000;

export class FileSessionStore extends session.Store {
  private readonly entries = new Map<string, Entry>();
  /**
   * sid -> SHA-256 of it, for the sessions seen lately: every request checks its session (get, touch), and
   * hashing the id each time was a visible share of a message's CPU (issue #4). The oldest is let go first.
   */
  private readonly keys = new Map<string, string>();
  private readonly watchers = new Set<SessionEndWatcher>();
  private queue: { line: string; callback?: ((err?: unknown) => void) | undefined }[] = [];
  private flushing: Promise<void> | undefined;
  private lines = 0;
  /** What loading found: a torn tail dropped, damaged lines skipped (the text store logs it, issue #6). */
  loadReport: Pick<LoadedFile<unknown>, 'tornBytes' | 'damage'> = { tornBytes: 0, damage: [] };

  private constructor(
    private readonly file: string,
    private handle: DiskFile,
    private readonly defaultTtlMs: number,
    private readonly now: () => number,
    private readonly disk: Disk,
  ) {
    super();
  }

  static async open(file: string, defaultTtlMs: number, now: () => number = Date.now, disk: Disk = nodeDisk): Promise<FileSessionStore> {
    const loaded = await loadRecordFile(file, decodeSession, disk);
    const live = new Map<string, Entry>();
    for (const { value: r } of loaded.records) {
      if (r.kind === 'd') live.delete(r.key);
      else live.set(r.key, { json: r.json, expires: r.expires, persistedExpires: r.expires });
    }
    for (const [key, e] of live) if (e.expires <= now()) live.delete(key);
    // Start from a compact file: only the live sessions.
    const lines = [...live].map(([key, e]) => encodeSessionLine({ kind: 's', key, expires: e.expires, json: e.json }));
    await writeDurably(disk, file, lines.join(''));
    const store = new FileSessionStore(file, await disk.open(file, 'a'), defaultTtlMs, now, disk);
    for (const [key, e] of live) store.entries.set(key, e);
    store.lines = lines.length;
    store.loadReport = { tornBytes: loaded.tornBytes, damage: loaded.damage };
    return store;
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const key = this.keyOf(sid);
    const e = this.entries.get(key);
    if (!e) return callback(null, null);
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return callback(null, null);
    }
    // A fresh object each time: express-session mutates what it gets. Papo's sessions hold flat values and
    // the cookie, so copying those two levels makes one; parsing the JSON on every request was 3% of a
    // throughput profile (issue #4).
    const parsed = (e.parsed ??= JSON.parse(e.json) as SessionData);
    callback(null, { ...parsed, cookie: { ...parsed.cookie } } as SessionData);
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    const key = this.keyOf(sid);
    const expires = this.expiryOf(data);
    const json = JSON.stringify(data);
    this.entries.set(key, { json, expires, persistedExpires: expires });
    this.persist(encodeSessionLine({ kind: 's', key, expires, json }), callback);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    const key = this.keyOf(sid);
    this.keys.delete(sid);
    this.entries.delete(key);
    this.persist(encodeSessionLine({ kind: 'd', key }), callback);
    // It stopped working just now, in memory: its held polls end with it (issue #15, item 5).
    for (const watcher of this.watchers) watcher.ended([key]);
  }

  /** The text store's `SessionRepository.onSessionsEnded`: one process holds every session of the folder. */
  onEnded(watcher: SessionEndWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  override touch(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    const e = this.entries.get(this.keyOf(sid));
    if (!e) return callback?.();
    e.expires = this.expiryOf(data);
    if (e.expires - e.persistedExpires < TOUCH_PERSIST_MS) return callback?.();
    this.set(sid, data, callback);
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    callback(null, this.entries.size);
  }

  /** Number of live sessions (tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }

  private keyOf(sid: string): string {
    const known = this.keys.get(sid);
    if (known !== undefined) return known;
    const key = sessionKey(sid);
    if (this.keys.size >= HASHES_KEPT) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.set(sid, key);
    return key;
  }

  private expiryOf(data: SessionData): number {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires).getTime() : this.now() + this.defaultTtlMs;
  }

  /** Group commit: lines queued while a sync runs go out together in the next write. */
  private persist(line: string, callback?: (err?: unknown) => void): void {
    this.queue.push({ line, callback });
    this.flushing ??= this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        let error: unknown;
        try {
          await this.handle.write(batch.map((b) => b.line).join(''));
          await this.handle.datasync();
          this.lines += batch.length;
          if (this.lines > 2 * this.entries.size + 1000) await this.compact();
        } catch (err) {
          error = err;
        }
        for (const b of batch) b.callback?.(error);
      }
    } finally {
      // Cleared in the same tick as the last emptiness check, so no persist() can slip in between.
      this.flushing = undefined;
    }
  }

  private async compact(): Promise<void> {
    const lines = [...this.entries].map(([key, e]) => encodeSessionLine({ kind: 's', key, expires: e.expires, json: e.json }));
    await writeDurably(this.disk, this.file, lines.join(''));
    await this.handle.close();
    this.handle = await this.disk.open(this.file, 'a');
    this.lines = lines.length;
  }
}

export function encodeSessionLine(r: SessionRecord): string {
  return r.kind === 'd' ? encodeRecord(['d', r.key]) : encodeRecord(['s', r.key, String(r.expires), r.json]);
}

export function decodeSession(line: string): Decoded<SessionRecord> {
  const r = decodeRecord(line);
  if (!r.ok) return r;
  const [kind, key, expires, json] = r.fields;
  if (kind === 'd' && key && r.fields.length === 2) return { ok: true, value: { kind, key } };
  if (kind === 's' && key && json !== undefined && /^\d+$/.test(expires ?? '')) {
    return { ok: true, value: { kind, key, expires: Number(expires), json } };
  }
  return { ok: false, reason: 'not a session record' };
}
