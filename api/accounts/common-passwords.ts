import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../repo-root.js';

/**
 * A small bundled list of the most common passwords (common-passwords.txt), refused at sign-up (issue #6):
 * they are the first a guesser tries, whatever the rate limits. Existing accounts are not affected.
 */
const COMMON = new Set(
  readFileSync(path.join(REPO_ROOT, 'api', 'accounts', 'common-passwords.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#')),
);

export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.trim().toLowerCase());
}
