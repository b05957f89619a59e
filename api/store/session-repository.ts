/**
 * A session as the stores keep it: what a login put in it, and its cookie, whose `expires` is when it ends
 * unless used again. It is the HTTP layer's session written out (api/http/session-store-adapter.ts hands it
 * to the session library), kept here in plain types so the stores do not depend on that library (issue #16). Absent fields are sessions made before they existed.
 */
export interface SessionContent {
  cookie: SessionContentCookie;
  username?: string;
  /** When this login happened (ms): sessions end after SESSION_MAX_DAYS however active. */
  loggedInAt?: number;
  /** The User-Agent the session logged in with, cut short: how its owner tells their devices apart (issue #17). */
  userAgent?: string;
}

/** The cookie of a session as it is written out: a Date in memory, its ISO text once stored. */
export interface SessionContentCookie {
  /** The idle lifetime the cookie was given (ms). */
  originalMaxAge: number | null;
  expires?: Date | string | null;
  secure?: boolean | 'auto';
  httpOnly?: boolean;
  path?: string;
  domain?: string;
  sameSite?: boolean | 'lax' | 'strict' | 'none';
}

/**
 * Who is told when sessions end (issue #15, item 5): the long-poll hub, which answers their held polls. Keys
 * are `sessionKey(sid)` (./session-key.ts).
 */
export interface SessionEndWatcher {
  /** These sessions ended: destroyed (logout, the absolute lifetime, a new id at login). */
  ended(keys: readonly string[]): void;
  /** The sessions the watcher cares about now; a store that may have missed some ends checks these. */
  held(): Iterable<string>;
}

/** A live session of a user, as the store keeps it: its key (`sessionKey(sid)`) and its record. */
export interface StoredSession {
  key: string;
  data: SessionContent;
}

/**
 * Sessions, kept where the store keeps its data. They are looked up by session id; a store keeps only
 * `sessionKey(sid)`, so a copy of the data logs nobody in.
 */
export interface SessionRepository {
  /** The live session `sid` names; undefined when there is none or it expired. A fresh object: callers change it. */
  get(sid: string): Promise<SessionContent | undefined>;
  /** Stores `record` as session `sid`, durably; it expires at `record.cookie.expires` (or after the store's lifetime). */
  set(sid: string, record: SessionContent): Promise<void>;
  /**
   * Moves session `sid`'s expiry on to `record.cookie.expires` (rolling sessions do it on every request). The
   * stores keep that cheap: an expiry moved by less than an hour is not written.
   */
  touch(sid: string, record: SessionContent): Promise<void>;
  /** Ends session `sid` (a logout, the absolute lifetime, a new id at login) and announces it as `onSessionsEnded` says. */
  destroy(sid: string): Promise<void>;
  /** The live sessions of `username` (its devices, issue #17), in no particular order. */
  ofUser(username: string): Promise<StoredSession[]>;
  /**
   * Ends those of `keys` that are sessions of `username` (another user's keys are ignored), durably, and
   * announces them as a logout does, on every process: their cookies stop working at once and their held
   * polls are answered. Resolves with how many ended.
   */
  end(username: string, keys: readonly string[]): Promise<number>;
  /** A secret kept with the data, created on first use, for when the operator sets none. */
  generatedSecret(): Promise<{ secret: string; created: boolean }>;
  /**
   * Subscribes to the end of sessions, everywhere the data is served: on PostgreSQL a session destroyed
   * through one process is announced on every process. Returns the unsubscribe function.
   */
  onSessionsEnded(watcher: SessionEndWatcher): () => void;
}
