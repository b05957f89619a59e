import { sessionKey } from '../session-key.js';
import type { SessionContent, SessionEndWatcher } from '../store.js';
import { nodeDisk, openCreating, type Disk, type DiskFile } from './disk.js';
import { rewriteWithLiveRecords } from './record-appends.js';
import { loadRecordFile, type LoadedFile } from './line-file.js';
import { decodeSession, encodeSessionLine } from './session-records.js';
import { liveSessionLines, SessionWrites } from './session-writes.js';

/**
 * The sessions of the data folder (`sessions.txt`, its lines in session-records.ts), so a phone stays logged
 * in across restarts. Sessions live in memory (a request's session check never touches the disk); every
 * change is appended to the file and fsynced before the response goes out (session-writes.ts). The file
 * holds a SHA-256 of each session id, never the id itself: a copy of the data folder does not log anyone in.
 *
 * A change that cannot be written (a full disk) did not happen: the session is as it was, the request gets
 * a 503, and the half-written line is cut off the file. Only a touch, which moves the expiry on, is kept in
 * memory and written by a later one (issue #15).
 */

interface Entry {
  json: string;
  /** `json` parsed, once: see `get`. */
  parsed?: SessionContent;
  expires: number;
  /** Expiry last written to the file: touches within the hour are kept in memory only. */
  persistedExpires: number;
}

const TOUCH_PERSIST_MS = 60 * 60 * 1000;
/** Session ids whose hash is remembered: more than the held polls the server allows (MAX_HELD_POLLS). */
const HASHES_KEPT = 20_000;

export class FileSessionStore {
  /**
   * sid -> SHA-256 of it, for the sessions seen lately: every request checks its session (get, touch), and
   * hashing the id each time is a visible share of a message's CPU (issue #4). The oldest is let go first.
   */
  private readonly keys = new Map<string, string>();
  private readonly watchers = new Set<SessionEndWatcher>();
  private readonly writes: SessionWrites;
  /** What loading found: a torn tail dropped, damaged lines skipped (the text store logs it, issue #6). */
  loadReport: Pick<LoadedFile<unknown>, 'tornBytes' | 'damage'> = { tornBytes: 0, damage: [] };
  /** Why the file was not rewritten with the live sessions only at open (a full disk), if it was not. */
  notCompacted: unknown;

  private constructor(
    private readonly entries: Map<string, Entry>,
    file: { path: string; handle: DiskFile; lines: number; size: number },
    private readonly defaultTtlMs: number,
    private readonly now: () => number,
    disk: Disk,
  ) {
    this.writes = new SessionWrites(file.path, file.handle, disk, entries, file.lines, file.size);
  }

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
    const lines = liveSessionLines(live);
    const notCompacted = await rewriteWithLiveRecords(disk, file, lines.join(''));
    const handle = await openCreating(disk, file, 'a');
    const written = {
      path: file,
      handle,
      lines: notCompacted === undefined ? lines.length : loaded.records.length,
      size: (await handle.stat()).size,
    };
    const store = new FileSessionStore(live, written, defaultTtlMs, now, disk);
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
    return this.writes.persisted({ line: encodeSessionLine({ kind: 's', key, expires, json }), undo });
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
    const written = this.writes.persisted({ line: encodeSessionLine({ kind: 'd', key }), undo });
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
      this.writes.persist({
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

  /** Rewrites the file with the live sessions only, after the writes queued before it (session-writes.ts). */
  compactNow(): Promise<void> {
    return this.writes.compactNow();
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
            this.writes.persist({
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

  close(): Promise<void> {
    return this.writes.close();
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
}
