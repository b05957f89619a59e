/**
 * For what cannot happen unless the code is wrong (issue #16). A default in its place (`?? 0`, `?? ''`, a `!`)
 * would carry on with a made-up value and show the bug somewhere else, later, or write it to a file; this stops
 * at the broken rule and names it. Not for input from outside: that is validated and answered (api/errors.ts).
 * The PWA has the same pair (pwa/src/lib/assert.ts).
 */
export function assert(condition: unknown, rule: string): asserts condition {
  if (!condition) throw new Error(`papo: broken invariant: ${rule}`);
}

/**
 * `value`, which the code around it guarantees is there (an index within bounds, a group of a regex that
 * matched); throws, naming `what`, when it is not.
 *
 * @example const token = must(match[2], 'the token group of a matched cursor');
 */
export function must<T>(value: T | null | undefined, what: string): T {
  assert(value !== undefined && value !== null, `${what} is missing`);
  return value;
}
