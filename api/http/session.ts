import type { RequestHandler, Request } from 'express';
import session, { type Store as SessionStore } from 'express-session';
import { AppError } from '../errors.js';

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
  store: SessionStore;
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

/** The logged-in user's name, or a 401. Also ends sessions older than the absolute lifetime. */
export function requireUser(maxDays: number): RequestHandler {
  return (req, res, next) => {
    const { username, loggedInAt } = req.session ?? {};
    if (!username) throw new AppError('not_authenticated', 'log in first: POST /api/session');
    if (loggedInAt === undefined || Date.now() - loggedInAt > maxDays * DAY_MS) {
      req.session.destroy(() => next(new AppError('not_authenticated', 'your session has expired; log in again')));
      return;
    }
    res.locals.username = username;
    next();
  };
}

/** The user that requireUser put on the response. */
export function currentUser(res: { locals: Record<string, unknown> }): string {
  const user = res.locals.username;
  if (typeof user !== 'string') throw new AppError('not_authenticated', 'log in first: POST /api/session');
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
