import express, { type RequestHandler } from 'express';

/** Bodies over this are refused with 413 (issue #2). */
export const BODY_LIMIT = '16kb';

/** The API's JSON body parser (body-parser): UTF-8 JSON only, at most BODY_LIMIT; other types stay unparsed. */
export function jsonBody(): RequestHandler {
  return express.json({ limit: BODY_LIMIT, type: 'application/json' });
}
