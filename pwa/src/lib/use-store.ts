import { useEffect, useReducer, useRef } from 'preact/hooks';
import type { Store } from './store';

/**
 * The selected slice of a store, re-rendering only when that slice changes (by identity: the store replaces what
 * it changes, so untouched slices keep their identity and their readers stay still).
 */
export function useStore<T, S>(store: Store<T>, select: (state: T) => S): S {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const selected = select(store.get());
  // Kept in refs so the subscription sees the latest selector (it may close over props) without resubscribing.
  const latest = useRef({ select, selected });
  latest.current = { select, selected };
  useEffect(
    () =>
      store.subscribe(() => {
        if (latest.current.select(store.get()) !== latest.current.selected) rerender(0);
      }),
    [store],
  );
  return selected;
}
