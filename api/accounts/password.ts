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

/**
 * The form a new password is hashed in: Unicode NFKC, as NIST SP 800-63B 5.1.1.2 asks (issue #15), so the
 * same password typed on a keyboard that composes `é` (NFC) and one that sends `e` + U+0301 (NFD) is one
 * password. Lengths are counted on this form, since it is what bcrypt reads.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * The forms of a typed password to check against a stored hash, NFKC first: accounts made before issue #15
 * were hashed from the password as typed, so its raw form is tried too, only when it differs. A form over
 * 72 bytes cannot be what was hashed (it was refused, never truncated), so it is not tried.
 */
export function loginCandidates(password: string): string[] {
  const normalized = normalizePassword(password);
  const forms = normalized === password ? [password] : [normalized, password];
  return forms.filter((form) => passwordBytes(form) <= MAX_PASSWORD_BYTES);
}
