import session, { type SessionData } from 'express-session';
import type { SessionContent, SessionRepository } from '../store/store.js';

/** The part of the store's sessions that express-session drives. */
export type SessionStorage = Pick<SessionRepository, 'get' | 'set' | 'touch' | 'destroy'>;

/**
 * express-session's `Store` on the store's sessions (issue #16): the stores keep plain records behind promises
 * (api/store/store.ts), and only the HTTP layer knows express-session, its callbacks and its SessionData.
 * What a store answers, and its errors (a StoreUnavailableError is a 503), go through unchanged.
 */
export class RepositorySessionStore extends session.Store {
  constructor(private readonly sessions: SessionStorage) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    // A record is a SessionData written out: express-session makes its Session and Cookie from it.
    this.sessions.get(sid).then((record) => callback(null, (record as SessionData | undefined) ?? null), callback);
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    settle(this.sessions.set(sid, record(data)), callback);
  }

  override touch(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    settle(this.sessions.touch(sid, record(data)), callback);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    settle(this.sessions.destroy(sid), callback);
  }
}

/** express-session's session is the record plus the Cookie's methods, which JSON leaves out. */
const record = (data: SessionData): SessionContent => data;

function settle(done: Promise<void>, callback: ((err?: unknown) => void) | undefined): void {
  done.then(
    () => callback?.(),
    (err: unknown) => callback?.(err),
  );
}
