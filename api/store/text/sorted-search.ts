/**
 * Binary searches over the ascending arrays the history index keeps (history-index.ts): refs in sequence
 * order, the sequence numbers of a conversation's incoming messages, and the search index's postings.
 */

/** Index of the first item whose key is greater than `value`, in items sorted by that key. */
export function firstAbove<T>(items: readonly T[], value: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const item = items[mid];
    if (item !== undefined && key(item) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first number greater than `value` in an ascending array. */
export const upperBound = (sorted: readonly number[], value: number): number => firstAbove(sorted, value, (n) => n);

/** Index of the first ref whose seq is greater than `value`. */
export const refUpperBound = (refs: readonly { seq: number }[], value: number): number => firstAbove(refs, value, (r) => r.seq);

/** Puts `ref` in its place in `refs`, ascending by seq. */
export function insertRef<T extends { seq: number }>(refs: T[], ref: T): void {
  refs.splice(refUpperBound(refs, ref.seq), 0, ref);
}

/** Index of the first number not below `value` in an ascending list. */
export function lowerBoundNumber(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
