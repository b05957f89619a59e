import assert from 'node:assert/strict';
import type { RequestHandler, Request } from 'express';
import session from 'express-session';
import { AppError } from '../errors.js';
import type { PollSession } from '../messaging/messaging.js';
import { sessionKey } from '../store/session-key.js';
import { RepositorySessionStore, type SessionStorage } from './session-store-adapter.js';

declare module 'express-session' {
  interface SessionData {
    username: string;
    /** When this login happened (ms): sessions end after SESSION_MAX_DAYS however active. */
    loggedInAt: number;
    /** The User-Agent the session logged in with, cut to USER_AGENT_KEPT: how its owner tells their devices apart (issue #17). Absent in sessions made before. */
    userAgent?: string;
  }
}

export const SESSION_COOKIE = 'papo.sid';
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface SessionOptions {
  /** The store's sessions; express-session reaches them through RepositorySessionStore. */
  store: SessionStorage;
  secrets: string[];
  idleDays: number;
  maxDays: number;
}

/**
 * Cookie sessions (express-session). The cookie is HttpOnly and SameSite=Lax, Secure whenever the request
 * came over HTTPS (directly or through a trusted proxy: `secure: 'auto'`), and rolls on every answer so an
 * app in daily use stays logged in; unused for SESSION_IDLE_DAYS it expires. Anonymous requests create no
 * stored session (saveUninitialized: false).
 *
 * Mirrored, with `requireUser`, by the fast path's session check (fast-path/session-check.ts): a change to
 * the cookie or a session rule here is a change there too (fast-path/index.ts lists the tests that hold both).
 */
export function sessionMiddleware(options: SessionOptions): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    store: new RepositorySessionStore(options.store),
    secret: options.secrets,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: options.idleDays * DAY_MS, path: '/' },
  });
}

export const notLoggedIn = () => new AppError('not_authenticated', 'log in first: POST /api/session');
export const expired = () => new AppError('not_authenticated', 'your session has expired; log in again');

/**
 * When the session's login happened, or undefined when that is longer ago than the absolute lifetime
 * (SESSION_MAX_DAYS), however active it has been since: the session has then expired.
 */
export function liveLoginTime(loggedInAt: number | undefined, maxDays: number): number | undefined {
  return loggedInAt === undefined || Date.now() - loggedInAt > maxDays * DAY_MS ? undefined : loggedInAt;
}

/**
 * The session a poll is held by (issue #15, item 5): its key (`sessionKey` of its id), and when it ends unless
 * used again, which is its idle expiry (`idleExpiry`, ms) or the end of its absolute lifetime, whichever
 * comes first.
 */
export function pollSession(key: string, idleExpiry: number, loggedInAt: number, maxDays: number): PollSession {
  return { key, expiresAt: Math.min(idleExpiry, loggedInAt + maxDays * DAY_MS) };
}

/** The session a poll through the Express app is held by, once `requireUser` has let it through. */
export function expressPollSession(req: Request, maxDays: number): PollSession {
  const { loggedInAt, cookie } = req.session;
  assert(loggedInAt !== undefined && cookie.originalMaxAge !== null, 'requireUser lets only a logged-in session through');
  return pollSession(sessionKey(req.sessionID), Date.now() + cookie.originalMaxAge, loggedInAt, maxDays);
}

/** The logged-in user's name, or a 401. Also ends sessions older than the absolute lifetime. */
export function requireUser(maxDays: number): RequestHandler {
  return (req, res, next) => {
    const { username, loggedInAt } = req.session ?? {};
    if (!username) throw notLoggedIn();
    if (liveLoginTime(loggedInAt, maxDays) === undefined) {
      req.session.destroy(() => next(expired()));
      return;
    }
    res.locals.username = username;
    next();
  };
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
