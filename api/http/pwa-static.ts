import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, type Response } from 'express';

/** Vite puts a content hash in every file name under `assets/`: such a file never changes, so it is cached forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * Everything else (index.html, sw.js, the manifest, icons) keeps its name across releases: the browser must
 * revalidate it (a cheap 304 via ETag) or a new release would never reach installed apps.
 */
const REVALIDATE = 'no-cache';

function isReserved(urlPath: string): boolean {
  return urlPath === '/api' || urlPath.startsWith('/api/') || urlPath === '/healthz';
}

function setPwaHeaders(res: Response, filePath: string, distDir: string): void {
  const relative = path.relative(distDir, filePath).split(path.sep).join('/');
  res.setHeader('Cache-Control', relative.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
}

/**
 * Serves the built PWA (`pwa/dist`) at `/`. Mount it after the API routes. Unknown paths that a browser opens as
 * a page get index.html (the app routes itself); `/api` and `/healthz` are never answered here. When the PWA was
 * not built, pages get a 503 that says so instead of a bare 404. The Content-Security-Policy the PWA is built for
 * comes from security-headers.ts, which covers every answer.
 *
 * @example app.use(servePwa(path.join(REPO_ROOT, 'pwa', 'dist')));
 */
export function servePwa(distDir: string): RequestHandler {
  const root = path.resolve(distDir);
  const indexFile = path.join(root, 'index.html');
  const files = express.static(root, {
    redirect: false,
    setHeaders: (res, filePath) => setPwaHeaders(res, filePath, root),
  });
  // Checked until found, then remembered: the build may finish after the server started.
  let built = false;

  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isReserved(req.path)) return next();
    built ||= existsSync(indexFile);
    if (!built) {
      res
        .status(503)
        .set('Cache-Control', 'no-store')
        .type('text/plain')
        .send('The Papo app (PWA) is not built yet: run `npm run build:pwa`, or `npm start`, which builds it.\n');
      return;
    }
    files(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (!req.get('accept')?.includes('text/html')) return next();
      setPwaHeaders(res, indexFile, root);
      res.sendFile(indexFile, (sendErr?: Error) => {
        if (sendErr && !res.headersSent) next(sendErr);
      });
    });
  };
}
