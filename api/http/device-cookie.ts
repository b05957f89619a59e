import * as cookie from 'cookie';
import type { Request, Response } from 'express';
import { DEVICE_TOKEN_DAYS } from '../accounts/device-token.js';

/**
 * The device cookie (issue #15; api/accounts/device-token.ts says what it holds and why). Like the session
 * cookie it is HttpOnly, SameSite=Lax and Secure whenever the request came over HTTPS; unlike it, it lives
 * DEVICE_TOKEN_DAYS and survives logout (it says the device has logged in before, not that it is logged in),
 * and its path is the login route alone, the only one that reads it, so sends and polls never carry it.
 */
export const DEVICE_COOKIE = 'papo.device';
const LOGIN_PATH = '/api/session';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The device token a request carries, if any. */
export function deviceTokenOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  return header === undefined ? undefined : cookie.parse(header)[DEVICE_COOKIE];
}

export function setDeviceCookie(req: Request, res: Response, token: string): void {
  res.cookie(DEVICE_COOKIE, token, {
    path: LOGIN_PATH,
    maxAge: DEVICE_TOKEN_DAYS * DAY_MS,
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
  });
}
