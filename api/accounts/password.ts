/**
 * Password rules. bcrypt reads at most 72 bytes of its input, so a longer password would be silently
 * truncated: refuse it instead (issue #2). Old accounts imported from the Python system keep their
 * passwords whatever their length, so the minimum applies to new accounts only.
 */

export const MIN_NEW_PASSWORD_BYTES = 8;
export const MAX_PASSWORD_BYTES = 72;

export const NEW_PASSWORD_RULE = `passwords for new accounts are ${MIN_NEW_PASSWORD_BYTES} to ${MAX_PASSWORD_BYTES} bytes of UTF-8`;
export const PASSWORD_LENGTH_RULE = `passwords are at most ${MAX_PASSWORD_BYTES} bytes of UTF-8 (bcrypt reads no more; they are never truncated)`;

export function passwordBytes(password: string): number {
  return Buffer.byteLength(password, 'utf8');
}
