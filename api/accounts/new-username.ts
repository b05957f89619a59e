/**
 * New accounts follow a tighter rule than the folding in `api/names/username.ts` (issue #15): separators only
 * singly and between letters or digits, so `maria.`, `maria-` or `ma..ria` cannot be signed up beside `maria`.
 * Accounts made under the old rule keep their names: logging in, sending to them and their history files use the
 * permissive rule.
 */

export const NEW_USERNAME_RULE =
  'new usernames are 3 to 32 characters: letters a-z and digits 0-9, with a single "_", "." or "-" only between two of them';

const SEPARATOR_AT_END = /[_.-]$/;
const SEPARATORS_TOGETHER = /[_.-]{2,}/;

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
