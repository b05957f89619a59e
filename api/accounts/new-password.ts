import { isCommonPassword } from './common-passwords.js';
import { MAX_PASSWORD_BYTES, MIN_NEW_PASSWORD_BYTES, NEW_PASSWORD_RULE, passwordBytes } from './password.js';
import { must } from '../assert.js';

/**
 * What a new account's password may not be (issue #15), after NIST SP 800-63B 5.1.1.2: no composition rules
 * (they make passwords harder to remember, not to guess), but refuse what a guesser tries first: the
 * username and anything built on it, the service's name, one character or a short group repeated, runs of
 * consecutive characters, and the bundled list of the most common passwords. Existing accounts are not affected.
 */

export const CONTAINS_USERNAME_RULE = 'a password cannot be or contain the username; choose another';
export const CONTAINS_SERVICE_RULE = 'a password cannot contain the name of this service, "papo"; choose another';
export const REPEATED_RULE =
  'a password cannot be one character or a group of characters repeated (like aaaaaaaa or abcabcabc); choose another';
export const SEQUENCE_RULE =
  'a password cannot be made only of runs of consecutive or repeated characters (like 12345678, abcdefgh or abcd1234); choose another';
export const COMMON_RULE = 'this password is one of the most common ones, which are tried first; choose another';

const SERVICE_NAME = 'papo';
/** Runs shorter than this are not a pattern: `ab` or `12` inside a password say nothing. */
const MIN_RUN = 3;

/**
 * Why `password` (already NFKC: normalizePassword) cannot be the password of a new account named `username`
 * (folded), or undefined when it can. The message names the rule it breaks.
 */
export function newPasswordProblem(password: string, username: string): string | undefined {
  const bytes = passwordBytes(password);
  if (bytes < MIN_NEW_PASSWORD_BYTES || bytes > MAX_PASSWORD_BYTES) return NEW_PASSWORD_RULE;
  const folded = password.toLowerCase().normalize('NFKC');
  if (containsUsername(folded, username)) return CONTAINS_USERNAME_RULE;
  if (folded.includes(SERVICE_NAME)) return CONTAINS_SERVICE_RULE;
  const chars = Array.from(folded, (c) => must(c.codePointAt(0), 'the code point of a character'));
  if (isRepeated(chars)) return REPEATED_RULE;
  if (isRunsOnly(chars)) return SEQUENCE_RULE;
  if (isCommonPassword(password)) return COMMON_RULE;
  return undefined;
}

/** Separators are left out of both sides, so `maria.silva` is found in `Maria Silva 1990` too. */
function containsUsername(password: string, username: string): boolean {
  const bare = (s: string) => s.replace(/[\s_.-]+/g, '');
  return password.includes(username) || bare(password).includes(bare(username));
}

/** True when the whole password is a group of at most half its length, repeated (the last copy may be cut). */
function isRepeated(chars: number[]): boolean {
  for (let period = 1; period <= chars.length / 2; period++) {
    if (chars.every((c, i) => i < period || c === chars[i - period])) return true;
  }
  return false;
}

/**
 * True when the whole password splits into runs of at least three characters, each going up by one code
 * point, down by one, or staying put: `12345678`, `hgfedcba`, `abcd1234`, `aaaa1111`.
 */
function isRunsOnly(chars: number[]): boolean {
  let start = 0;
  while (start < chars.length) {
    const first = must(chars[start], 'a character within the password');
    const step = (chars[start + 1] ?? Number.NaN) - first;
    if (!(Math.abs(step) <= 1)) return false;
    let end = start + 1;
    while (
      end + 1 < chars.length &&
      must(chars[end + 1], 'a character within the password') - must(chars[end], 'a character within the password') === step
    )
      end++;
    if (end - start + 1 < MIN_RUN) return false;
    start = end + 1;
  }
  return true;
}
