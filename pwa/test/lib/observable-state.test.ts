import { describe, expect, it } from 'vitest';
import { ObservableState } from '../../src/lib/observable-state';

describe('ObservableState', () => {
  it('when a part is updated, then subscribers hear it and the untouched parts keep their identity', () => {
    const list = ['a'];
    const state = new ObservableState({ count: 1, list });
    let heard = 0;
    state.subscribe(() => heard++);

    state.update({ count: 2 });
    state.update((current) => ({ count: current.count + 1 }));

    expect(state.get()).toEqual({ count: 3, list: ['a'] });
    expect(state.get().list).toBe(list);
    expect(heard).toBe(2);
  });

  it('when a subscriber unsubscribes, then it hears no more updates', () => {
    const state = new ObservableState({ count: 0 });
    let heard = 0;
    const unsubscribe = state.subscribe(() => heard++);

    state.update({ count: 1 });
    unsubscribe();
    state.update({ count: 2 });

    expect(heard).toBe(1);
  });
});
