import { StoreUnavailableError } from '../../errors.js';
import { sessionKey } from '../session-key.js';
import type { SessionContent, SessionEndWatcher } from '../store.js';
import { decodeRecord, encodeRecord } from './codec.js';
import { nodeDisk, openCreating, writeDurably, type Disk, type DiskFile } from './disk.js';
import { rewriteWithLiveRecords } from './record-appends.js';
import { loadRecordFile, type LoadedFile } from './line-file.js';
import type { Decoded } from './records.js';

/**
 * The sessions of the data folder (`sessions.txt`), so a phone stays logged in across restarts.
 * Sessions live in memory (a request's session check never touches the disk); every change is appended to
 * the file and fsynced before the response goes out. The file holds a SHA-256 of each session id, never the
 * id itself: a copy of the data folder does not log anyone in.
 *
 * A change that cannot be written (a full disk) did not happen: the session is as it was, the request gets
 * a 503, and the half-written line is cut off the file. Only a touch, which moves the expiry on, is kept in
 * memory and written by a later one (issue #15).
 *
 *   s;<sha256(sid)>;<expires ms>;<session JSON>;crc     the session now holds this
 *   d;<sha256(sid)>;crc                                 the session was destroyed
 */

interface Entry {
  json: string;
  /** `json` parsed, once: see `get`. */
  parsed?: SessionContent;
  expires: number;
  /** Expiry last written to the file: touches within the hour are kept in memory only. */
  persistedExpires: number;
}

/** A change to write: its line, how to take it back in memory if it cannot be written, and who waits for it. */
interface Pending {
  line: string;
  undo: () => void;
  callback?: ((err?: StoreUnavailableError) => void) | undefined;
}

export type SessionRecord = { kind: 's'; key: string; expires: number; json: string } | { kind: 'd'; key: string };

const TOUCH_PERSIST_MS = 60 * 60 * 1000;
/** Session ids whose hash is remembered: more than the held polls the server allows (MAX_HELD_POLLS). */
const HASHES_KEPT = 20_000;

export class FileSessionStore {
  private readonly entries = new Map<string, Entry>();
  /**
   * sid -> SHA-256 of it, for the sessions seen lately: every request checks its session (get, touch), and
   * hashing the id each time is a visible share of a message's CPU (issue #4). The oldest is let go first.
   */
  private readonly keys = new Map<string, string>();
  private readonly watchers = new Set<SessionEndWatcher>();
  private queue: Pending[] = [];
  /** Callers waiting for a compaction they asked for (`compactNow`), run by the flush loop after its write. */
  private compactWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private lines = 0;
  /** Bytes of whole lines in the file: a failed write is cut back to it. */
  private fileSize = 0;
  /** What loading found: a torn tail dropped, damaged lines skipped (the text store logs it, issue #6). */
  loadReport: Pick<LoadedFile<unknown>, 'tornBytes' | 'damage'> = { tornBytes: 0, damage: [] };
  /** Why the file was not rewritten with the live sessions only at open (a full disk), if it was not. */
  notCompacted: unknown;

  private constructor(
    private readonly file: string,
    private handle: DiskFile,
    private readonly defaultTtlMs: number,
    private readonly now: () => number,
    private readonly disk: Disk,
  ) {}

  static async open(file: string, defaultTtlMs: number, now: () => number = Date.now, disk: Disk = nodeDisk): Promise<FileSessionStore> {
    const loaded = await loadRecordFile(file, decodeSession, disk);
    const live = new Map<string, Entry>();
    for (const { value: r } of loaded.records) {
      if (r.kind === 'd') live.delete(r.key);
      else live.set(r.key, { json: r.json, expires: r.expires, persistedExpires: r.expires });
    }
    for (const [key, e] of live) if (e.expires <= now()) live.delete(key);
    // Start from a compact file: only the live sessions. On a full disk the file stays as loaded (its torn
    // tail cut off), which holds the same sessions in more lines (issue #15).
    const lines = [...live].map(([key, e]) => encodeSessionLine({ kind: 's', key, expires: e.expires, json: e.json }));
    const notCompacted = await rewriteWithLiveRecords(disk, file, lines.join(''));
    const handle = await openCreating(disk, file, 'a');
    const store = new FileSessionStore(file, handle, defaultTtlMs, now, disk);
    for (const [key, e] of live) store.entries.set(key, e);
    store.lines = notCompacted === undefined ? lines.length : loaded.records.length;
    store.fileSize = (await handle.stat()).size;
    store.loadReport = { tornBytes: loaded.tornBytes, damage: loaded.damage };
    store.notCompacted = notCompacted;
    return store;
  }

  /** `SessionRepository.get`, answered from memory. */
  get(sid: string): Promise<SessionContent | undefined> {
    const key = this.keyOf(sid);
    const e = this.entries.get(key);
    if (!e) return Promise.resolve(undefined);
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return Promise.resolve(undefined);
    }
    // A fresh object each time: the HTTP layer's session library mutates what it gets. Papo's sessions hold flat values and
    // the cookie, so copying those two levels makes one; parsing the JSON on every request would be a share
    // of every message's CPU (issue #4; figures in docs/performance.md).
    const parsed = this.parsedOf(e);
    return Promise.resolve({ ...parsed, cookie: { ...parsed.cookie } });
  }

  /** `SessionRepository.set`: resolves once the session is on disk. */
  set(sid: string, data: SessionContent): Promise<void> {
    const key = this.keyOf(sid);
    const expires = this.expiryOf(data);
    const json = JSON.stringify(data);
    const before = this.entries.get(key);
    const entry: Entry = { json, expires, persistedExpires: expires };
    this.entries.set(key, entry);
    const undo = () => {
      if (this.entries.get(key) !== entry) return; // changed again since
      if (before) this.entries.set(key, before);
      else this.entries.delete(key);
    };
    return this.persisted({ line: encodeSessionLine({ kind: 's', key, expires, json }), undo });
  }

  /** `SessionRepository.destroy`: ends the session in memory at once; resolves once that is on disk. */
  destroy(sid: string): Promise<void> {
    const key = this.keyOf(sid);
    this.keys.delete(sid);
    const before = this.entries.get(key);
    this.entries.delete(key);
    // A logout that was not written must not come back at the next start: it stays undone, and is retried.
    const undo = () => {
      if (before && !this.entries.has(key)) this.entries.set(key, before);
    };
    const written = this.persisted({ line: encodeSessionLine({ kind: 'd', key }), undo });
    // It stopped working just now, in memory: its held polls end with it (issue #15, item 5).
    for (const watcher of this.watchers) watcher.ended([key]);
    return written;
  }

  /** The text store's `SessionRepository.onSessionsEnded`: one process holds every session of the folder. */
  onEnded(watcher: SessionEndWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** `SessionRepository.touch`: the new expiry holds in memory at once, and is written at most hourly. */
  touch(sid: string, data: SessionContent): Promise<void> {
    const key = this.keyOf(sid);
    const e = this.entries.get(key);
    if (!e) return Promise.resolve();
    e.expires = this.expiryOf(data);
    if (e.expires - e.persistedExpires < TOUCH_PERSIST_MS) return Promise.resolve();
    const entry: Entry = { json: JSON.stringify(data), expires: e.expires, persistedExpires: e.expires };
    this.entries.set(key, entry);
    // Not written (a full disk): the new expiry holds in memory, and the next touch writes it again. A read
    // must not fail for the sake of an expiry an hour or so further on.
    const undo = () => {
      entry.persistedExpires = e.persistedExpires;
    };
    return new Promise((resolve) =>
      this.persist({
        line: encodeSessionLine({ kind: 's', key, expires: entry.expires, json: entry.json }),
        undo,
        callback: () => resolve(),
      }),
    );
  }

  /** Ends every session of `username` (a password reset, issue #15); resolves once that is on disk. */
  async destroyUser(username: string): Promise<number> {
    return this.endSessions(
      username,
      this.ofUser(username).map((s) => s.key),
    );
  }

  /**
   * Rewrites the file with the live sessions only (new file, fsync, rename, fsync of the folder), after the
   * writes queued before it: the ended sessions' lines leave the file (a deleted account, issue #17).
   */
  compactNow(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.compactWaiters.push({ resolve, reject });
      this.persist({ line: '', undo: () => undefined });
    });
  }

  /** The live sessions of `username` (issue #17: their devices). */
  ofUser(username: string): { key: string; data: SessionContent }[] {
    const now = this.now();
    return [...this.entries]
      .filter(([, e]) => e.expires > now && this.parsedOf(e).username === username)
      .map(([key, e]) => ({ key, data: this.parsedOf(e) }));
  }

  /**
   * Ends those of `keys` that are sessions of `username` (issue #17: a device ended from another one), in
   * memory at once, announced to the watchers as a logout is; resolves once the ends are on disk.
   */
  async endSessions(username: string, keys: readonly string[]): Promise<number> {
    const ended = keys.flatMap((key): [string, Entry][] => {
      const e = this.entries.get(key);
      return e !== undefined && this.parsedOf(e).username === username ? [[key, e]] : [];
    });
    for (const [key] of ended) this.entries.delete(key);
    for (const watcher of this.watchers) watcher.ended(ended.map(([key]) => key));
    await Promise.all(
      ended.map(
        ([key, before]) =>
          new Promise<void>((resolve, reject) =>
            this.persist({
              line: encodeSessionLine({ kind: 'd', key }),
              // Not written: the session is back, as for a logout that failed (the caller reports the failure).
              undo: () => {
                if (!this.entries.has(key)) this.entries.set(key, before);
              },
              callback: (err) => (err ? reject(err) : resolve()),
            }),
          ),
      ),
    );
    return ended.length;
  }

  private parsedOf(e: Entry): SessionContent {
    return (e.parsed ??= JSON.parse(e.json) as SessionContent);
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

  private expiryOf(data: SessionContent): number {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires).getTime() : this.now() + this.defaultTtlMs;
  }

  /** `persist`, resolving once the change is written and rejecting when it could not be. */
  private persisted(change: Omit<Pending, 'callback'>): Promise<void> {
    return new Promise((resolve, reject) => this.persist({ ...change, callback: (err) => (err ? reject(err) : resolve()) }));
  }

  /** Group commit: lines queued while a sync runs go out together in the next write. */
  private persist(change: Pending): void {
    this.queue.push(change);
    this.flushing ??= this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        const data = batch.map((b) => b.line).join('');
        let error: StoreUnavailableError | undefined;
        try {
          await this.handle.write(data);
          await this.handle.datasync();
          this.fileSize += Buffer.byteLength(data);
          this.lines += batch.length;
        } catch (err) {
          error = new StoreUnavailableError('the session could not be stored; try again later', err);
          // Whatever part of the batch reached the file goes: the next lines must not follow half a line.
          await this.handle.truncate(this.fileSize).catch(() => undefined);
          for (const b of [...batch].reverse()) b.undo();
        }
        for (const b of batch) b.callback?.(error);
        const waiters = this.compactWaiters.splice(0);
        if (waiters.length > 0) {
          // Asked for (a deleted account's lines must leave the file, issue #17): its failure is the caller's.
          const failed =
            error ??
            (await this.compact().then(
              () => undefined,
              (err: unknown) => err,
            ));
          for (const w of waiters)
            if (failed === undefined) w.resolve();
            else w.reject(new StoreUnavailableError('the sessions file could not be rewritten; try again later', failed));
        }
        // Compaction only saves space: when it cannot be done now, it is tried again after a later write.
        else if (!error && this.lines > 2 * this.entries.size + 1000) await this.compact().catch(() => undefined);
      }
    } finally {
      // Cleared in the same tick as the last emptiness check, so no persist() can slip in between.
      this.flushing = undefined;
    }
  }

  private async compact(): Promise<void> {
    const lines = [...this.entries].map(([key, e]) => encodeSessionLine({ kind: 's', key, expires: e.expires, json: e.json }));
    await writeDurably(this.disk, this.file, lines.join(''));
    const handle = await this.disk.open(this.file, 'a');
    await this.handle.close();
    this.handle = handle;
    this.lines = lines.length;
    this.fileSize = (await handle.stat()).size;
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
