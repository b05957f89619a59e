import { createHash } from 'node:crypto';

/**
 * The key a store keeps a session under: the SHA-256 of its id, never the id itself, so a copy of the data
 * (a data folder, a database dump) logs nobody in. It is also how a session is named when it ends (issue #15,
 * item 5): the stores announce ended sessions by key, across processes on PostgreSQL, and the long-poll hub
 * knows each held poll's key.
 */
export function sessionKey(sid: string): string {
  return createHash('sha256').update(sid).digest('hex');
}
