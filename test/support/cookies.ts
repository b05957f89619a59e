import { SESSION_COOKIE } from '../../api/http/session.js';

/** An answer as supertest gives it: `set-cookie` is an array of lines. */
interface WithHeaders {
  headers: Record<string, unknown>;
}

/**
 * The Set-Cookie line of the cookie `name` (the session cookie unless told), or '' when the answer sets none.
 * A login sets two cookies (the session's and the device's, issue #15), in no promised order.
 */
export function setCookieLine(res: WithHeaders, name = SESSION_COOKIE): string {
  const raw = res.headers['set-cookie'];
  const lines = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  return lines.find((line) => line.startsWith(`${name}=`)) ?? '';
}

/** `name=value` of that cookie: what a Cookie header sends back. */
export function cookieFrom(res: WithHeaders, name = SESSION_COOKIE): string {
  return setCookieLine(res, name).split(';')[0] ?? '';
}

/** The same from a fetch answer's headers. */
export function cookieFromHeaders(headers: Headers, name = SESSION_COOKIE): string {
  return (
    headers
      .getSetCookie()
      .find((line) => line.startsWith(`${name}=`))
      ?.split(';')[0] ?? ''
  );
}
