import { ECDH } from 'node:crypto';
import { AppError } from '../errors.js';

/** A subscription as `PushSubscription.toJSON()` gives it in the browser (openapi.yaml: PushSubscription). */
export interface SubscriptionInput {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
}

export interface CheckedSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Checks what a device sends before the server ever posts to it (issue #17): the endpoint is an https URL on
 * one of the push services the operator allows (PUSH_SERVICE_HOSTS: the server makes requests to this URL on
 * the user's word, so it must not reach anything else), `p256dh` is a point on P-256 (65 bytes, uncompressed)
 * and `auth` 16 bytes (RFC 8291 section 2), both base64url. Keys come back without padding.
 */
export function checkSubscription(input: SubscriptionInput, allowedHosts: readonly string[]): CheckedSubscription {
  let url: URL;
  try {
    url = new URL(input.endpoint);
  } catch {
    throw new AppError('invalid_request', 'endpoint must be an absolute https URL');
  }
  if (url.protocol !== 'https:') throw new AppError('invalid_request', 'endpoint must be an https URL (push services speak only HTTPS)');
  if (url.username !== '' || url.password !== '') throw new AppError('invalid_request', 'endpoint must not carry a user name or password');
  if (!hostAllowed(url.hostname, allowedHosts)) {
    throw new AppError(
      'invalid_request',
      `endpoint's host ${url.hostname} is not a push service this server sends to (PUSH_SERVICE_HOSTS)`,
    );
  }
  const p256dh = keyBytes(input.keys.p256dh, 'keys.p256dh');
  if (p256dh.length !== 65 || p256dh[0] !== 4) {
    throw new AppError('invalid_request', 'keys.p256dh must be an uncompressed P-256 public key: 65 bytes, base64url');
  }
  try {
    ECDH.convertKey(p256dh, 'prime256v1');
  } catch {
    throw new AppError('invalid_request', 'keys.p256dh is not a point on the P-256 curve');
  }
  const auth = keyBytes(input.keys.auth, 'keys.auth');
  if (auth.length !== 16) throw new AppError('invalid_request', 'keys.auth must be 16 bytes, base64url');
  return { endpoint: url.href, p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') };
}

function keyBytes(text: string, field: string): Buffer {
  if (!BASE64URL.test(text)) throw new AppError('invalid_request', `${field} must be base64url (A-Z a-z 0-9 - _)`);
  return Buffer.from(text, 'base64url');
}

/** `host` is one of `allowed`, or under one written `*.domain`. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((a) => (a.startsWith('*.') ? h.endsWith(a.slice(1)) && h.length > a.length - 1 : h === a));
}
