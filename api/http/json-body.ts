import express, { type RequestHandler } from 'express';
import { requireUtf8Body } from './utf8.js';

/** Bodies over this are refused with 413 (issue #2). */
export const BODY_LIMIT = '16kb';

/**
 * The API's JSON body parser (body-parser): UTF-8 JSON only, at most BODY_LIMIT; other types stay unparsed.
 * Bytes that are not UTF-8, or another charset, are refused before decoding (issue #15, item 9).
 */
export function jsonBody(): RequestHandler {
  return express.json({ limit: BODY_LIMIT, type: 'application/json', verify: requireUtf8Body });
}
