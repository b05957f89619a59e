import assert from 'node:assert/strict';
import * as cookie from 'cookie';
import * as signature from 'cookie-signature';
import type { PollSession } from '../../messaging/messaging.js';
import { sessionKey } from '../../store/session-key.js';
import { DAY_MS, SESSION_COOKIE, expired, liveLoginTime, notLoggedIn, pollSession, type SessionOptions } from '../session.js';

/** Verified cookie values remembered by the session check; past this the memory starts over. */
const MAX_VERIFIED_COOKIES = 100_000;
const HOUR_MS = 60 * 60 * 1000;

/** A verified cookie value: its session id and key, the value signed with the current secret, what its last Set-Cookie said. */
interface Verified {
  sid: string;
  /** `sessionKey(sid)`: how the stores name the session when it ends. */
  key: string;
  signed: string;
  /** The expiry and Secure flag last handed out in a Set-Cookie for this cookie. */
  rolled?: { expires: number; secure: boolean };
}

/** What a session check found: whose session it is, and the rolling cookie to set with the answer, if any. */
export interface CheckedSession {
  username: string;
  /** The session's key and when it ends unless used again: a held poll never outlives it (issue #15, item 5). */
  session: PollSession;
  /** The Set-Cookie value that moves the cookie's expiry on; absent when this hour's was already handed out. */
  setCookie: string | undefined;
}

/** Checks the session cookie of a request (came over HTTPS: `secure`); 401 AppError when there is no live session. */
export type SessionCheck = (cookieHeader: string | undefined, secure: boolean) => Promise<CheckedSession>;

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * What `sessionMiddleware` + `requireUser` (../session.ts) do for the send and the poll: the same cookie,
 * store, 401s and rules, without what these routes never need. They never create, change or save a session,
 * so there is no hash of the session to see whether it changed and no proxy around `res.end`; a verified
 * cookie's session id is remembered (an HMAC per request otherwise).
 *
 * One difference, on purpose: express-session rolls the cookie with every answer, to the millisecond; this
 * check rolls it to the next whole hour, and once an hour per cookie. The stores write a session's expiry at
 * most hourly anyway (touch), and the Set-Cookie line is some 150 bytes that both ends would otherwise pay
 * for on every message (docs/performance.md). An answer that fails after the check carries no cookie; that
 * hour's move then comes with the next hour's first answer, and meanwhile the cookie still has its idle time
 * less an hour or two to run.
 */
export function createSessionCheck(options: SessionOptions): SessionCheck {
  const { store, secrets, idleDays, maxDays } = options;
  const signWith = secrets[0];
  assert(signWith !== undefined, 'a session check needs a secret');
  const verified = new Map<string, Verified>();

  const sessionOf = (header: string | undefined): Verified | undefined => {
    const raw = header === undefined ? undefined : cookie.parse(header)[SESSION_COOKIE];
    if (raw === undefined || !raw.startsWith('s:')) return undefined;
    const known = verified.get(raw);
    if (known !== undefined) return known;
    for (const secret of secrets) {
      const sid = signature.unsign(raw.slice(2), secret);
      if (sid === false) continue;
      // Signed with the current secret, as express-session re-signs a cookie made with an older one.
      const entry = { sid, key: sessionKey(sid), signed: secret === signWith ? raw : `s:${signature.sign(sid, signWith)}` };
      if (verified.size >= MAX_VERIFIED_COOKIES) verified.clear();
      verified.set(raw, entry);
      return entry;
    }
    return undefined;
  };

  /** The Set-Cookie value that rolls `found` on to `expires`, unless this hour's went out already. */
  function rollingCookie(found: Verified, expires: Date, secure: boolean): string | undefined {
    if (found.rolled?.expires === expires.getTime() && found.rolled.secure === secure) return undefined;
    found.rolled = { expires: expires.getTime(), secure };
    return cookie.serialize(SESSION_COOKIE, found.signed, { path: '/', expires, httpOnly: true, sameSite: 'lax', secure });
  }

  return (cookieHeader, secure) =>
    new Promise((resolve, reject) => {
      const found = sessionOf(cookieHeader);
      if (found === undefined) return reject(notLoggedIn());
      store.get(found.sid).then(
        (data) => {
          if (!data?.username) return reject(notLoggedIn());
          const loggedInAt = liveLoginTime(data.loggedInAt, maxDays);
          if (loggedInAt === undefined) {
            const reply = () => reject(expired());
            return void store.destroy(found.sid).then(reply, reply);
          }
          const expires = new Date(Math.ceil((Date.now() + idleDays * DAY_MS) / HOUR_MS) * HOUR_MS);
          data.cookie.expires = expires;
          const checked = {
            username: data.username,
            session: pollSession(found.key, expires.getTime(), loggedInAt, maxDays),
            setCookie: rollingCookie(found, expires, secure),
          };
          store.touch(found.sid, data).then(
            () => resolve(checked),
            (touchErr: unknown) => reject(asError(touchErr)),
          );
        },
        (err: unknown) => reject(asError(err)),
      );
    });
}
