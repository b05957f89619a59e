import type { SessionRepository } from '../store.js';
import type { Disk } from './disk.js';
import type { FileSessionStore } from './session-file.js';
import { readOrCreateSessionSecret } from './session-secret-file.js';

/**
 * The text store's `SessionRepository` (store.ts): the sessions of sessions.txt (session-file.ts), which one
 * process holds whole, and the cookie secret of session-secret.txt. `secretFile` is asked at each use, so a
 * closed store refuses this as it refuses every other query.
 */
export function textSessions(sessions: FileSessionStore, secretFile: () => string, disk: Disk): SessionRepository {
  return {
    get: (sid) => sessions.get(sid),
    set: (sid, record) => sessions.set(sid, record),
    touch: (sid, record) => sessions.touch(sid, record),
    destroy: (sid) => sessions.destroy(sid),
    generatedSecret: () => readOrCreateSessionSecret(disk, secretFile()),
    onSessionsEnded: (watcher) => sessions.onEnded(watcher),
    ofUser: async (username) => sessions.ofUser(username),
    end: (username, keys) => sessions.endSessions(username, keys),
  };
}
