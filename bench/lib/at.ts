/** `items[index]`, for an index the caller computed to be in range: out of range is a bug, and fails loudly. */
export function at<T>(items: readonly T[], index: number): T {
  if (!Number.isInteger(index) || index < 0 || index >= items.length) {
    throw new RangeError(`index ${index} is outside 0..${items.length - 1}`);
  }
  return items[index] as T;
}
