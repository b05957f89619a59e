import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Cross-site request forgery: a page on another origin must not send, acknowledge or log out with the
 * user's cookie. SameSite=Lax already keeps the cookie off cross-site POSTs; this refuses them explicitly
 * using what browsers always send (Sec-Fetch-Site, Origin). Clients that send neither (curl, scripts) are
 * not browsers carrying someone else's cookie, and pass.
 */
export const sameOriginOnly: RequestHandler = (req, _res, next) => {
  if (!UNSAFE.has(req.method)) return next();
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('forbidden_origin', 'requests from other sites are refused');
  }
  const origin = req.get('origin');
  // req.protocol and req.host follow X-Forwarded-* only when TRUST_PROXY says the proxy is trusted.
  if (origin !== undefined && origin !== `${req.protocol}://${req.host}`) {
    throw new AppError('forbidden_origin', `requests from ${origin} are refused`);
  }
  next();
};
