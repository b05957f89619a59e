import * as cookie from 'cookie';
import * as signature from 'cookie-signature';
import type { RequestHandler, Request } from 'express';
import session, { type SessionData } from 'express-session';
import { AppError } from '../errors.js';
import type { PollSession } from '../messaging/messaging.js';
import { sessionKey } from '../store/session-key.js';
import type { TouchableSessionStore } from '../store/store.js';

declare module 'express-session' {
  interface SessionData {
    username: string;
    /** When this login happened (ms): sessions end after SESSION_MAX_DAYS however active. */
    loggedInAt: number;
  }
}

export const SESSION_COOKIE = 'papo.sid';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SessionOptions {
  store: TouchableSessionStore;
  secrets: string[];
  idleDays: number;
  maxDays: number;
}

/**
 * Cookie sessions (express-session). The cookie is HttpOnly and SameSite=Lax, Secure whenever the request
 * came over HTTPS (directly or through a trusted proxy: `secure: 'auto'`), and rolls on every answer so an
 * app in daily use stays logged in; unused for SESSION_IDLE_DAYS it expires. Anonymous requests create no
 * stored session (saveUninitialized: false).
 */
export function sessionMiddleware(options: SessionOptions): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    store: options.store,
    secret: options.secrets,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: options.idleDays * DAY_MS, path: '/' },
  });
}

const notLoggedIn = () => new AppError('not_authenticated', 'log in first: POST /api/session');
const expired = () => new AppError('not_authenticated', 'your session has expired; log in again');

/** Whether a login is older than the absolute lifetime (SESSION_MAX_DAYS), however active since. */
function pastMaxAge(loggedInAt: number | undefined, maxDays: number): boolean {
  return loggedInAt === undefined || Date.now() - loggedInAt > maxDays * DAY_MS;
}

/** The logged-in user's name, or a 401. Also ends sessions older than the absolute lifetime. */
export function requireUser(maxDays: number): RequestHandler {
  return (req, res, next) => {
    const { username, loggedInAt } = req.session ?? {};
    if (!username) throw notLoggedIn();
    if (pastMaxAge(loggedInAt, maxDays)) {
      req.session.destroy(() => next(expired()));
      return;
    }
    res.locals.username = username;
    next();
  };
}

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

/**
 * The session check of the routes every message crosses (send, and the recipient's poll): what
 * `sessionMiddleware` + `requireUser` do there, on the same cookie, store and rules, without what these
 * routes never need. They never create, change or save a session, so there is no hash of the session to
 * see whether it changed and no proxy around `res.end`; the verified cookie -> session id is remembered
 * (an HMAC per request otherwise), and the rolling cookie is the same signed value with a later Expires,
 * signed once per session id and handed out once an hour. Errors are the 401s `requireUser` gives.
 */
export function createSessionCheck(options: SessionOptions): SessionCheck {
  const { store, secrets, idleDays, maxDays } = options;
  const current = secrets[0];
  if (current === undefined) throw new Error('a session check needs a secret');
  const signWith: string = current;
  const verified = new Map<string, Verified>();

  function sessionOf(header: string | undefined): Verified | undefined {
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
  }

  return (cookieHeader, secure) =>
    new Promise((resolve, reject) => {
      const found = sessionOf(cookieHeader);
      if (found === undefined) return reject(notLoggedIn());
      store.get(found.sid, (err, data?: SessionData | null) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        if (!data?.username) return reject(notLoggedIn());
        if (pastMaxAge(data.loggedInAt, maxDays)) return store.destroy(found.sid, () => reject(expired()));
        // Rounded up to the hour, and set once an hour per cookie: the stores write a session's expiry at most
        // hourly anyway (touch), and a Set-Cookie on every send and poll answer was 150 of its bytes, which
        // both ends pay for on every message (issue #4; the floor benchmark measured what answer bytes cost).
        // An answer that fails after this check carries no cookie; that hour's move then comes with the next
        // hour's first answer, and the cookie meanwhile still has its idle time less an hour or two to run.
        const expires = new Date(Math.ceil((Date.now() + idleDays * DAY_MS) / HOUR_MS) * HOUR_MS);
        data.cookie.expires = expires;
        let setCookie: string | undefined;
        if (found.rolled?.expires !== expires.getTime() || found.rolled.secure !== secure) {
          setCookie = cookie.serialize(SESSION_COOKIE, found.signed, { path: '/', expires, httpOnly: true, sameSite: 'lax', secure });
          found.rolled = { expires: expires.getTime(), secure };
        }
        const username = data.username;
        const session = { key: found.key, expiresAt: Math.min(expires.getTime(), (data.loggedInAt ?? 0) + maxDays * DAY_MS) };
        store.touch(found.sid, data, (touchErr) => {
          if (touchErr) reject(touchErr instanceof Error ? touchErr : new Error(String(touchErr)));
          else resolve({ username, session, setCookie });
        });
      });
    });
}

/** The user that requireUser put on the response. */
export function currentUser(res: { locals: Record<string, unknown> }): string {
  const user = res.locals.username;
  if (typeof user !== 'string') throw notLoggedIn();
  return user;
}

export function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export function destroy(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
}
