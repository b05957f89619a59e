import { generateKeyPairSync } from 'node:crypto';

/**
 * The server's VAPID key pair (RFC 8292): browsers bind each push subscription to its public key, and every
 * push is signed with its private key. Kept with the data (text store: `vapid-keys.txt`; PostgreSQL:
 * papo_meta), made once: a new pair would silently end every subscription a device holds.
 *
 * Both keys in the form the Push API and the `web-push` library take them, base64url without padding: the
 * public key as the uncompressed P-256 point (65 bytes), the private key as its scalar (32 bytes).
 */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const PUBLIC_KEY = /^[A-Za-z0-9_-]{87}$/;
const PRIVATE_KEY = /^[A-Za-z0-9_-]{43}$/;

/** A new P-256 key pair from the operating system's random source. */
export function makeVapidKeys(): VapidKeys {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  const d = Buffer.from(jwk.d ?? '', 'base64url');
  return { publicKey: Buffer.concat([Buffer.from([4]), x, y]).toString('base64url'), privateKey: d.toString('base64url') };
}

/** True when both keys have the shape of a P-256 pair in base64url (65 and 32 bytes). */
export function looksLikeVapidKeys(keys: VapidKeys): boolean {
  return PUBLIC_KEY.test(keys.publicKey) && PRIVATE_KEY.test(keys.privateKey) && Buffer.from(keys.publicKey, 'base64url')[0] === 4;
}
