import { lowerBoundNumber } from './sorted-search.js';

/**
 * The messages in any of `lists` (each ascending) below `before`, newest first, without repeats: a merge from
 * the lists' ends with a heap, so the first page of a common prefix does not sort every message that has it.
 */
export function* newestFirst(lists: readonly ArrayLike<number>[], before: number): Generator<number> {
  const heap: Cursor[] = [];
  for (const list of lists) {
    const at = lowerBoundNumber(list, before) - 1;
    if (at >= 0) push(heap, { list, at });
  }
  let previous = Infinity;
  while (heap.length > 0) {
    const top = heap[0];
    if (!top) break;
    const seq = top.list[top.at] ?? 0;
    if (seq !== previous) yield seq;
    previous = seq;
    top.at--;
    if (top.at < 0) {
      const last = heap.pop();
      if (last && heap.length > 0) {
        heap[0] = last;
        down(heap, 0);
      }
    } else down(heap, 0);
  }
}

type Cursor = { list: ArrayLike<number>; at: number };
const key = (c: Cursor): number => c.list[c.at] ?? 0;

function push(heap: Cursor[], c: Cursor): void {
  heap.push(c);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent];
    const me = heap[i];
    if (!p || !me || key(p) >= key(me)) break;
    heap[parent] = me;
    heap[i] = p;
    i = parent;
  }
}

function down(heap: Cursor[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let top = i;
    if (l < heap.length && key(heap[l] as Cursor) > key(heap[top] as Cursor)) top = l;
    if (r < heap.length && key(heap[r] as Cursor) > key(heap[top] as Cursor)) top = r;
    if (top === i) return;
    const a = heap[i] as Cursor;
    heap[i] = heap[top] as Cursor;
    heap[top] = a;
    i = top;
  }
}
