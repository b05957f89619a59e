import { useEffect, useReducer, useRef } from 'preact/hooks';
import type { ObservableState } from './observable-state';

/**
 * The selected slice of an observable state, re-rendering only when that slice changes (by identity: updates
 * replace what they change, so untouched slices keep their identity and their readers stay still).
 */
export function useSlice<T, S>(state: ObservableState<T>, select: (state: T) => S): S {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const selected = select(state.get());
  // Kept in refs so the subscription sees the latest selector (it may close over props) without resubscribing.
  const latest = useRef({ select, selected });
  latest.current = { select, selected };
  useEffect(
    () =>
      state.subscribe(() => {
        if (latest.current.select(state.get()) !== latest.current.selected) rerender(0);
      }),
    [state],
  );
  return selected;
}
