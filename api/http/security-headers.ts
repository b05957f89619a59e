import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The Content-Security-Policy the PWA is built to work under (pwa/: no inline scripts or styles, no other
 * origins): a page that somehow got markup injected still cannot run a script or send data elsewhere.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  workerSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Swagger UI (/api/docs) sets inline styles; it is documentation, not the app, and gets only that exception. */
const DOCS_POLICY = { ...CONTENT_SECURITY_POLICY, styleSrc: ["'self'", "'unsafe-inline'"] };

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * helmet (issue #6): CSP, nosniff, frame and referrer policies on every answer; HSTS only when the request
 * came over HTTPS (directly or through a trusted proxy, see TRUST_PROXY), since over plain HTTP it means
 * nothing and would pin a development host to HTTPS.
 */
const common = { strictTransportSecurity: false, crossOriginEmbedderPolicy: false } as const;
const appHelmet = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } });
const docsHelmet = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: DOCS_POLICY } });

/**
 * The headers of an API answer as a flat list (name, value, name, value...), for `res.writeHead`: helmet's,
 * recorded once by running it against a recorder (they depend on nothing in the request), then no-store, and
 * HSTS when `secure`. The poll writes them only when it answers: set at the start, they would be kept in
 * memory by every held poll.
 */
export function apiAnswerHeaders(secure: boolean): readonly string[] {
  return secure ? SECURE_API_HEADERS : API_HEADERS;
}

function recordHelmet(): string[] {
  const flat: string[] = [];
  const recorder = { setHeader: (name: string, value: unknown) => flat.push(name, String(value)), removeHeader: () => undefined };
  appHelmet({} as never, recorder as never, () => undefined);
  return flat;
}

const API_HEADERS: readonly string[] = [...recordHelmet(), 'Cache-Control', 'no-store'];
const SECURE_API_HEADERS: readonly string[] = [...API_HEADERS, 'Strict-Transport-Security', HSTS];

export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    if (req.secure) res.setHeader('Strict-Transport-Security', HSTS);
    const isDocs = /^\/api\/docs(?:\/|$)/i.test(req.path);
    (isDocs ? docsHelmet : appHelmet)(req, res, next);
  };
}

/** API answers are per user and change all the time: never stored by a browser or a proxy. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
