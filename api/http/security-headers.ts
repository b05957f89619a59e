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
 * helmet (issue #6) for pages: CSP, nosniff, frame and referrer policies. HSTS, on pages and API answers alike,
 * only when the request came over HTTPS (directly or through a trusted proxy, see TRUST_PROXY), since over
 * plain HTTP it means nothing and would pin a development host to HTTPS.
 */
const common = { strictTransportSecurity: false, crossOriginEmbedderPolicy: false } as const;
const appHelmet = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } });
const docsHelmet = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: DOCS_POLICY } });

/**
 * What an API answer (JSON or YAML, never a page) carries: OWASP's REST Security Cheat Sheet set. A page this
 * never is can load nothing and be framed by nobody (CSP, X-Frame-Options for older browsers); no other site
 * can pull it into its own process with a no-cors request (CORP); it is never sniffed into something else
 * (nosniff) nor stored by a browser or a proxy (no-store). helmet's other headers (DNS prefetch, download
 * options, opener policy, origin-agent cluster, referrer policy, Flash's cross-domain policy, the old XSS
 * filter) act on documents only, and every byte of an answer's headers costs CPU at both ends on every
 * message (issue #4; docs/performance.md, "The floor", has the figures).
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";
const API_HEADERS: readonly string[] = [
  'Content-Security-Policy',
  API_CONTENT_SECURITY_POLICY,
  'Cross-Origin-Resource-Policy',
  'same-origin',
  'X-Content-Type-Options',
  'nosniff',
  'X-Frame-Options',
  'DENY',
  'Cache-Control',
  'no-store',
];
const SECURE_API_HEADERS: readonly string[] = [...API_HEADERS, 'Strict-Transport-Security', HSTS];

/**
 * The headers of an API answer as a flat list (name, value, name, value...), for `res.writeHead`, with HSTS
 * when `secure`. The poll writes them only when it answers: set at the start, they would be kept in memory by
 * every held poll.
 */
export function apiAnswerHeaders(secure: boolean): readonly string[] {
  return secure ? SECURE_API_HEADERS : API_HEADERS;
}

const DOCS_PATH = /^\/api\/docs(?:\/|$)/i;
const API_PATH = /^\/api(?:\/|$)/i;

/**
 * Every answer's security headers: the documentation pages (/api/docs) get helmet's with the docs' exception,
 * the rest of /api `apiAnswerHeaders`, and everything else (the PWA) helmet's with the PWA's CSP. The fast
 * path (send and poll) writes `apiAnswerHeaders` with its answers instead: a change here is a change there
 * (fast-path/index.ts lists the test that holds the two alike).
 */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    if (req.secure) res.setHeader('Strict-Transport-Security', HSTS);
    if (DOCS_PATH.test(req.path)) return docsHelmet(req, res, next);
    if (!API_PATH.test(req.path)) return appHelmet(req, res, next);
    const headers = apiAnswerHeaders(false);
    for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(headers[i] as string, headers[i + 1] as string);
    next();
  };
}
