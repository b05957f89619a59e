import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors.js';

/**
 * UTF-8 on the way in (issue #15, item 9): bytes that are not UTF-8 would be decoded to U+FFFD, and the
 * request would go on with text the client never sent (a message stored changed, with a 201). They are
 * refused instead, as an unpaired surrogate in JSON is (api/messaging/messaging.ts).
 */

/**
 * body-parser's `verify` for the JSON parser: it sees the raw bytes before they are decoded. Only UTF-8 is
 * read (RFC 8259: JSON between systems is UTF-8; body-parser would also decode UTF-16 and UTF-32, and
 * replace what does not decode in those too).
 */
export function requireUtf8Body(_req: IncomingMessage, _res: ServerResponse, body: Buffer, encoding: string | null): void {
  if (encoding !== 'utf-8') throw new AppError('unsupported_media_type', 'send the body as application/json in UTF-8');
  if (!isUtf8(body)) throw new AppError('invalid_request', 'the request body is not valid UTF-8');
}

/** A run of %-escapes: a UTF-8 sequence cannot span a literal character, since those are all ASCII. */
const ESCAPE_RUN = /(?:%[0-9a-f]{2})+/gi;

/**
 * The request target (path and query) once its %-escapes are decoded, as Express's query parser and router
 * decode them, must be UTF-8: `?with=%ff` would otherwise reach a route as U+FFFD. `decodeURIComponent`
 * throws on exactly that (a stray byte, a truncated, overlong or surrogate sequence). A `%` that starts no
 * escape stays a literal, as the query parser keeps it. (Raw bytes above 0x7F never get this far: Node's HTTP
 * parser refuses them in the request line.)
 */
export function checkUtf8Target(url: string): void {
  if (!url.includes('%')) return;
  for (const run of url.match(ESCAPE_RUN) ?? []) {
    try {
      decodeURIComponent(run);
    } catch {
      throw new AppError('invalid_request', 'the URL is not valid UTF-8 once its %-escapes are decoded');
    }
  }
}
