import { pipeline } from 'node:stream/promises';
import { Router, type RequestHandler } from 'express';
import type { Attachments } from '../../attachments/attachments.js';
import type { UploadResponse } from '../../contract.js';
import { currentUser } from '../session.js';
import { requestedRange } from './attachment-range.js';

/**
 * A served file may be anything a user uploaded: the browser gets no chance to run it. A document of this
 * answer loads nothing and runs in a unique origin with no scripts (CSP sandbox); it is never sniffed into
 * another type (nosniff, from securityHeaders); only allowed images are inline (file-kind.ts).
 */
export const ATTACHMENT_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox";

/**
 * Uploads as the raw request body, one file a request, `?name=` for its name (issue #18). Not multipart: a
 * client sends one file at a time anyway (each with its own progress bar), the body is then the file with
 * no parser between the socket and the disk, and its Content-Length lets an upload over the limit be refused
 * before a byte of it is read.
 */
export function attachmentRoutes(attachments: Attachments, requireUser: RequestHandler): Router {
  const router = Router();

  router.post('/api/attachments', requireUser, async (req, res) => {
    const length = req.headers['content-length'];
    const name = req.query.name;
    try {
      const attachment = await attachments.upload({
        uploader: currentUser(res),
        name: typeof name === 'string' ? name : undefined,
        body: req,
        declaredLength: length === undefined ? undefined : Number(length),
      });
      const body: UploadResponse = { attachment };
      res.status(201).json(body);
    } catch (err) {
      // The rest of a refused body is not read: the connection ends with the answer.
      if (!req.complete) res.setHeader('Connection', 'close');
      throw err;
    }
  });

  const serve =
    (variant: 'file' | 'thumbnail'): RequestHandler =>
    async (req, res) => {
      const file = await attachments.open(currentUser(res), String(req.params.id), variant);
      res.setHeader('ETag', file.etag);
      // Kept, but asked about each time (If-None-Match, a 304 with no body): access ends when a message goes.
      res.setHeader('Cache-Control', 'private, no-cache');
      if (matches(req.headers['if-none-match'], file.etag)) {
        res.status(304).end();
        return;
      }
      const range = file.size === undefined ? undefined : requestedRange(req, file.size, file.etag);
      const body = await file.read(range);
      res.setHeader('Content-Type', file.type);
      res.setHeader('Content-Disposition', file.disposition);
      res.setHeader('Content-Security-Policy', ATTACHMENT_CONTENT_SECURITY_POLICY);
      if (file.size !== undefined) res.setHeader('Accept-Ranges', 'bytes');
      if (range && file.size !== undefined) {
        res.status(206);
        res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
        res.setHeader('Content-Length', String(range.end - range.start + 1));
      } else if (file.size !== undefined) res.setHeader('Content-Length', String(file.size));
      await pipeline(body, res).catch((err: unknown) => {
        // A reader that went away midway is no error of ours.
        if (!res.destroyed) throw err;
      });
    };
  router.get('/api/attachments/:id', requireUser, serve('file'));
  router.get('/api/attachments/:id/thumbnail', requireUser, serve('thumbnail'));
  return router;
}

function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
