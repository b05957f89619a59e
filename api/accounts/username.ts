/**
 * Usernames (issue #2): 3 to 32 characters of a-z, 0-9, `_`, `.`, `-`, starting with a letter or digit, after
 * Unicode NFKC and lower-casing, so `Maria`, fullwidth `ｍａｒｉａ` and `ᴹᴬᴿᴵᴬ` are one account. Look-alikes
 * from other scripts (Cyrillic `а`) and invisible characters stay outside the alphabet and are refused, which
 * also keeps every `history_{username}.txt` name safe on disk.
 *
 * New accounts follow a tighter rule (issue #15): separators only singly and between letters or digits, so
 * `maria.`, `maria-` or `ma..ria` cannot be signed up beside `maria`. Accounts made under the old rule keep
 * their names: logging in, sending to them and their history files use the permissive rule above.
 */

export const USERNAME_RULE = 'usernames are 3 to 32 characters of a-z, 0-9, "_", "." and "-", starting with a letter or digit';
export const NEW_USERNAME_RULE =
  'new usernames are 3 to 32 characters: letters a-z and digits 0-9, with a single "_", "." or "-" only between two of them';

const ALLOWED = /^[a-z0-9][a-z0-9_.-]{2,31}$/;
const SEPARATOR_AT_END = /[_.-]$/;
const SEPARATORS_TOGETHER = /[_.-]{2,}/;

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

/**
 * Why a folded, canonical name may not be taken by a new account, or undefined when it may. The message names
 * the part of the rule it breaks, then the whole rule.
 */
export function newUsernameProblem(username: string): string | undefined {
  const end = SEPARATOR_AT_END.exec(username)?.[0];
  if (end !== undefined) return `a new username cannot end with "${end}"; ${NEW_USERNAME_RULE}`;
  const together = SEPARATORS_TOGETHER.exec(username)?.[0];
  if (together !== undefined) return `a new username cannot have "${together}": separators stand alone; ${NEW_USERNAME_RULE}`;
  return undefined;
}
