import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors.js';
import { targetOf, type TargetOrigin } from './fast-path/target-origin.js';

/** A Host header: a DNS name or an IPv4 address, or an IPv6 address in brackets, then an optional port. */
const HOST = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * `protocol://host` in the form browsers write an origin (lower case, no default port), or undefined when
 * the host part is not a host: `papo.example.com/x` would otherwise parse as papo.example.com with a path.
 */
export function normalOrigin(text: string): string | undefined {
  const m = /^(https?):\/\/(.*)$/i.exec(text);
  if (m === null || !HOST.test(m[2] ?? '')) return undefined;
  try {
    return new URL(text).origin;
  } catch {
    return undefined;
  }
}

/** Probes address the process by IP and read only "ok" or "stopping": left out of the allow-list. */
const HEALTH_PATH = /^\/healthz\/?(?:\?|$)/i;

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The host allow-list (issue #15, item 14), against DNS rebinding: a page on `evil.example` that points its own
 * name at Papo's address makes same-origin requests that arrive with `Host: evil.example`, which no
 * same-origin rule can tell from Papo's own pages. Given PUBLIC_ORIGIN, the origin a request reached
 * (`target.origin`: the Host, or X-Forwarded-Host and -Proto when TRUST_PROXY trusts the peer) must be one of
 * those origins, else 421 Misdirected Request (RFC 9110 15.5.20: "not able to produce a response for this
 * target URI"); and an `Origin` header, when a browser sends one, must be one of them too, else 403
 * `forbidden_origin`, the answer to any request from another site's page. Every path but /healthz: the API,
 * the fast path (send and poll), the documentation, and the PWA's pages, which a rebinding page could otherwise read.
 */
export function publicOriginCheck(origins: readonly string[]): (req: IncomingMessage, target: TargetOrigin) => void {
  const allowed = new Set(origins);
  const listed = (origin: string) => allowed.has(origin) || allowed.has(normalOrigin(origin) ?? '');
  return (req, target) => {
    if (HEALTH_PATH.test(targetOf(req))) return;
    if (!listed(target.origin)) {
      throw new AppError('misdirected_request', `this server does not answer for ${target.origin}; see PUBLIC_ORIGIN`);
    }
    const origin = header(req, 'origin');
    if (origin !== undefined && !listed(origin)) throw new AppError('forbidden_origin', `requests from ${origin} are refused`);
  };
}
