import { randomBytes } from 'node:crypto';
import * as signature from 'cookie-signature';

/**
 * Device tokens, after OWASP's "Slow Down Online Guessing Attacks with Device Cookies" (issue #15): a browser
 * that logged in as a user gets a token naming that user, and later logins from it are counted against the
 * token alone, so a stranger's wrong passwords, which lock out the clients without one, do not lock out the
 * owner's own devices.
 *
 * A token is `device~<username>~<nonce>~<issued, ms>` signed with HMAC-SHA256 (cookie-signature, as the
 * session cookie is) by the first session secret; every secret of the list verifies, so rotating the secret
 * keeps devices known as it keeps sessions. The `device~` prefix keeps a token from ever reading as a signed
 * session id (those have no `~`), though both are signed with the same secrets.
 */

/** How long a token counts, and its cookie lives: past SESSION_MAX_DAYS' default (365), within browsers' cap (400). */
export const DEVICE_TOKEN_DAYS = 400;
const DAY_MS = 24 * 60 * 60 * 1000;
const PREFIX = 'device';
const NONCE = /^[A-Za-z0-9_-]{22}$/;

export interface DeviceTokens {
  /** A new token for the device that just logged in as `username` (a new one at every login, as OWASP advises). */
  issue(username: string): string;
  /**
   * The device's id when `token` is genuine, not older than DEVICE_TOKEN_DAYS and issued for `username`;
   * undefined otherwise (absent, forged, expired, another user's), and the attempt counts as a stranger's.
   */
  verify(token: string | undefined, username: string): string | undefined;
}

export function createDeviceTokens(secrets: readonly string[], now: () => number = Date.now): DeviceTokens {
  const signWith = secrets[0];
  if (signWith === undefined) throw new Error('device tokens need a secret');
  return {
    issue(username) {
      const nonce = randomBytes(16).toString('base64url');
      return signature.sign([PREFIX, username, nonce, String(now())].join('~'), signWith);
    },
    verify(token, username) {
      if (token === undefined || token.length > 256) return undefined;
      const payload = unsignWithAny(token, secrets);
      if (payload === undefined) return undefined;
      const [prefix, name, nonce, issued, ...rest] = payload.split('~');
      if (prefix !== PREFIX || rest.length > 0 || name !== username || nonce === undefined || !NONCE.test(nonce)) return undefined;
      if (!/^\d+$/.test(issued ?? '') || now() - Number(issued) > DEVICE_TOKEN_DAYS * DAY_MS) return undefined;
      return nonce;
    },
  };
}

function unsignWithAny(token: string, secrets: readonly string[]): string | undefined {
  for (const secret of secrets) {
    const payload = signature.unsign(token, secret);
    if (payload !== false) return payload;
  }
  return undefined;
}
