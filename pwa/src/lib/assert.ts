/**
 * For what cannot happen unless the code is wrong. A default in its place (`?? 0`, `?? ''`) would carry on with a
 * made-up value and show the bug somewhere else, later; this stops at the broken rule and names it (issue #16).
 */
export function assert(condition: unknown, rule: string): asserts condition {
  if (!condition) throw new Error(`papo: broken invariant: ${rule}`);
}

/** `value`, which the code around it guarantees is there; throws, naming `what`, when it is not. */
export function defined<T>(value: T | null | undefined, what: string): T {
  assert(value !== undefined && value !== null, `${what} is missing`);
  return value;
}
