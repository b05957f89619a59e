/**
 * A value that tells its subscribers when it changes: all the state management this app needs, without a library
 * on the first screen. Not the API's storage `Store` (api/store/store.ts): nothing here is persisted.
 */
export class ObservableState<T> {
  private readonly listeners = new Set<() => void>();

  constructor(private state: T) {}

  get(): T {
    return this.state;
  }

  update(change: Partial<T> | ((state: T) => Partial<T>)): void {
    const patch = typeof change === 'function' ? change(this.state) : change;
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
