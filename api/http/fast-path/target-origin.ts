import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';

/** Where a request was addressed: Express's `req.secure`, and `req.protocol + '://' + req.host`. */
export interface TargetOrigin {
  secure: boolean;
  /** `protocol://host`, as the client named it: for the same-origin check and the host allow-list. */
  origin: string;
}

/** The app's compiled TRUST_PROXY (Express's `trust proxy fn`): whether the peer at `hop` is a trusted proxy. */
export type TrustProxy = (address: string | undefined, hop: number) => boolean;

/** A header's value (Node joins repeated ones, but types them as a list too). */
const valueOf = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** The part of a header before its first comma (a forwarded header lists one value a proxy). */
const firstListed = (value: string): string => {
  const comma = value.indexOf(',');
  return comma < 0 ? value : value.slice(0, comma);
};

/**
 * Express 5's `req.protocol` and `req.host`, for a request that is not (or not yet) an Express request: the
 * socket, or the first X-Forwarded-Proto / X-Forwarded-Host when `trust` trusts the peer. A request with no
 * Host, or an empty one, gets `http://undefined`, as `${req.protocol}://${req.host}` would.
 */
export function targetOriginOf(req: IncomingMessage, trust: TrustProxy): TargetOrigin {
  const direct = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  const trusted = trust(req.socket.remoteAddress, 0);
  const forwardedProto = trusted ? valueOf(req.headers['x-forwarded-proto']) : undefined;
  const protocol = forwardedProto === undefined || forwardedProto === '' ? direct : firstListed(forwardedProto).trim();
  const forwardedHost = trusted ? valueOf(req.headers['x-forwarded-host']) : undefined;
  const host = forwardedHost ? firstListed(forwardedHost).trimEnd() : req.headers.host;
  return { secure: protocol === 'https', origin: `${protocol}://${host || 'undefined'}` };
}

/** The target (path and query) of a request a server received: Node always sets it; only a client's request lacks one. */
export function targetOf(req: IncomingMessage): string {
  assert(req.url !== undefined, 'a request a server received has a target');
  return req.url;
}
