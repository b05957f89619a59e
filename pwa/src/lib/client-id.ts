/** RFC 4122 version 4: the version in byte 6, the variant (binary 10) in byte 8; the rest stays random. */
function withVersionBits(byte: number, index: number): number {
  if (index === 6) return (byte & 0x0f) | 0x40;
  if (index === 8) return (byte & 0x3f) | 0x80;
  return byte;
}

/**
 * A UUID v4 for `clientId`. `crypto.randomUUID` exists only in secure contexts, and a phone opening Papo over
 * plain http on the LAN is not one; `getRandomValues` works everywhere.
 */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext) return crypto.randomUUID();
  const bytes = [...crypto.getRandomValues(new Uint8Array(16))].map(withVersionBits);
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
