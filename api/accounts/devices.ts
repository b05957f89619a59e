import { AppError } from '../errors.js';
import type { SessionRepository, StoredSession } from '../store/store.js';
import { deviceName } from './device-name.js';

/** One logged-in device of a user, as the API shows it (contract.ts `Device`). */
export interface DeviceView {
  id: string;
  name: string;
  loggedInAt: string;
  lastUsedAt: string;
  current: boolean;
}

/**
 * Hex digits of the session key that name a device to its owner. The key is a SHA-256 of the session id, so it
 * cannot be turned back into a cookie; half of it is plenty to tell one user's devices apart.
 */
const ID_LENGTH = 32;

export interface Devices {
  /** The user's devices, this one first, then the most recently used. */
  list(username: string, currentKey: string): Promise<DeviceView[]>;
  /** Ends one device of the user; `not_found` when the user has no device with that id. True when it was this one. */
  end(username: string, id: string, currentKey: string): Promise<{ current: boolean }>;
  /** Ends every device of the user but this one; how many ended. */
  endOthers(username: string, currentKey: string): Promise<number>;
  /** After a login: ends the least recently used devices past the limit (never this one). */
  limit(username: string, currentKey: string): Promise<number>;
}

/**
 * The user's devices are their sessions (issue #17). Ending one goes through the store, which ends it on
 * every process at once (held polls included, as a logout does).
 *
 * "Last used" is what the session's rolling expiry says (expiry less the idle lifetime): the stores write it at
 * most hourly, so it is right to the hour, except for this device, which is in use now.
 */
export function createDevices(sessions: SessionRepository, maxPerUser: number, now: () => number = Date.now): Devices {
  const view = (s: StoredSession, currentKey: string): DeviceView => {
    const current = s.key === currentKey;
    const loggedInAt = s.data.loggedInAt ?? lastUsed(s.data, now());
    return {
      id: s.key.slice(0, ID_LENGTH),
      name: deviceName(s.data.userAgent),
      loggedInAt: new Date(loggedInAt).toISOString(),
      // The fast path rolls expiries to the next whole hour (fast-path/session-check.ts): never later than now.
      lastUsedAt: new Date(current ? now() : Math.min(now(), Math.max(loggedInAt, lastUsed(s.data, now())))).toISOString(),
      current,
    };
  };
  const byRecentUse = <D extends DeviceView>(devices: D[]): D[] =>
    devices.sort((a, b) => Number(b.current) - Number(a.current) || b.lastUsedAt.localeCompare(a.lastUsedAt));

  return {
    async list(username, currentKey) {
      return byRecentUse((await sessions.ofUser(username)).map((s) => view(s, currentKey)));
    },

    async end(username, id, currentKey) {
      const found = (await sessions.ofUser(username)).find((s) => s.key.slice(0, ID_LENGTH) === id);
      if (!found || (await sessions.end(username, [found.key])) === 0) {
        throw new AppError('not_found', 'you have no device with that id (it may have ended already)');
      }
      return { current: found.key === currentKey };
    },

    async endOthers(username, currentKey) {
      const others = (await sessions.ofUser(username)).filter((s) => s.key !== currentKey).map((s) => s.key);
      return others.length === 0 ? 0 : sessions.end(username, others);
    },

    async limit(username, currentKey) {
      const all = await sessions.ofUser(username);
      if (all.length <= maxPerUser) return 0;
      const oldest = byRecentUse(all.map((s) => ({ ...view(s, currentKey), key: s.key }))).slice(maxPerUser);
      return sessions.end(
        username,
        oldest.map((d) => d.key),
      );
    },
  };
}

/** When a session was last used: its rolling expiry less its idle lifetime (both in its cookie). */
function lastUsed(data: StoredSession['data'], fallback: number): number {
  const { expires, originalMaxAge } = data.cookie ?? {};
  if (expires === undefined || expires === null || typeof originalMaxAge !== 'number') return fallback;
  return new Date(expires).getTime() - originalMaxAge;
}
