import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { normalOrigin } from './public-origin.js';

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Cross-site requests, on every API route and every method (issue #15, item 4): a page on another site must
 * not send, log out, or read with the user's cookie, and a GET is not harmless here: a poll carrying a cursor
 * acknowledges messages, and a top-level navigation to it carries the SameSite=Lax cookie. Browsers say where
 * a request comes from in Fetch Metadata: `Sec-Fetch-Site` is `same-origin` for Papo's own pages and `none`
 * for a URL the user typed or bookmarked; `same-site` (a sibling subdomain, which may be someone else's) and
 * `cross-site` are refused. Browsers without Fetch Metadata still send `Origin` on cross-origin fetches and on
 * every POST, so an `Origin` that is not this server is refused too. Clients that send neither (curl, scripts)
 * are not browsers carrying someone else's cookie, and pass. `ownOrigin` is `protocol://host` of this server
 * as the request reached it (following X-Forwarded-* only when TRUST_PROXY trusts the proxy).
 */
export function checkSameOrigin(headers: IncomingHttpHeaders, ownOrigin: () => string): void {
  const site = header(headers, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('forbidden_origin', 'requests from other sites are refused');
  }
  const origin = header(headers, 'origin');
  if (origin !== undefined && origin !== ownOrigin() && normalOrigin(origin) !== normalOrigin(ownOrigin())) {
    throw new AppError('forbidden_origin', `requests from ${origin} are refused`);
  }
}

/**
 * `checkSameOrigin` as Express middleware: req.protocol and req.host follow TRUST_PROXY. Mounted on `/api`
 * after the documentation (`/api/docs`, `/api/openapi.yaml`), which another site may link to: it is the same
 * page for everyone, and the one thing it can send, "Try it out", is a same-origin request.
 */
export const sameOriginOnly: RequestHandler = (req, _res, next) => {
  checkSameOrigin(req.headers, () => `${req.protocol}://${req.host}`);
  next();
};
