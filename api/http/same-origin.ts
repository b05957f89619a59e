import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Cross-site request forgery: a page on another origin must not send, acknowledge or log out with the
 * user's cookie. SameSite=Lax already keeps the cookie off cross-site POSTs; this refuses them explicitly
 * using what browsers always send (Sec-Fetch-Site, Origin). Clients that send neither (curl, scripts) are
 * not browsers carrying someone else's cookie, and pass. `ownOrigin` is `protocol://host` of this server as
 * the request reached it (following X-Forwarded-* only when TRUST_PROXY trusts the proxy).
 */
export function checkSameOrigin(method: string, headers: IncomingHttpHeaders, ownOrigin: () => string): void {
  if (!UNSAFE.has(method)) return;
  const site = header(headers, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('forbidden_origin', 'requests from other sites are refused');
  }
  const origin = header(headers, 'origin');
  if (origin !== undefined && origin !== ownOrigin()) throw new AppError('forbidden_origin', `requests from ${origin} are refused`);
}

/** `checkSameOrigin` as Express middleware: req.protocol and req.host follow TRUST_PROXY. */
export const sameOriginOnly: RequestHandler = (req, _res, next) => {
  checkSameOrigin(req.method, req.headers, () => `${req.protocol}://${req.host}`);
  next();
};
