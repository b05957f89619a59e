/**
 * Usernames (issue #2): 3 to 32 characters of a-z, 0-9, `_`, `.`, `-`, starting with a letter or digit, after
 * Unicode NFKC and lower-casing, so `Maria`, fullwidth `ｍａｒｉａ` and `ᴹᴬᴿᴵᴬ` are one account. Look-alikes
 * from other scripts (Cyrillic `а`) and invisible characters stay outside the alphabet and are refused, which
 * also keeps every `history_{username}.txt` name safe on disk.
 *
 * This folding sits below both the domain and the stores (issue #16): the domain folds what a person typed, the
 * stores check the names they read from disk against the same alphabet. The tighter rule for new accounts is a
 * domain rule and lives in `api/accounts/new-username.ts`.
 */

export const USERNAME_RULE = 'usernames are 3 to 32 characters of a-z, 0-9, "_", "." and "-", starting with a letter or digit';

const ALLOWED = /^[a-z0-9][a-z0-9_.-]{2,31}$/;

export type FoldResult = { ok: true; username: string } | { ok: false; reason: string };

/** Folds a name typed by a person to its account name, or says why it cannot be one. */
export function foldUsername(input: string): FoldResult {
  if (input.length > 256) return { ok: false, reason: USERNAME_RULE };
  // NFKC again after lower-casing: a few lower-case forms are not NFKC-normal, and folding twice must be a no-op.
  const folded = input.normalize('NFKC').toLowerCase().normalize('NFKC');
  return ALLOWED.test(folded) ? { ok: true, username: folded } : { ok: false, reason: USERNAME_RULE };
}

/** True for names that are already folded and valid under the old rule: what the store accepts in file names. */
export function isCanonicalUsername(name: string): boolean {
  return ALLOWED.test(name);
}
