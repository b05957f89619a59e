/**
 * Ephemeral signals (issue #19, items 10 and 11): never stored, but heard by every process serving the data
 * (on PostgreSQL through NOTIFY), this one at once. `local` says this process sent it.
 */
export type Signal = { kind: 'typing'; from: string; to: string } | { kind: 'seen'; user: string; at: number };

export interface SignalChannel {
  publish(signal: Signal): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: (signal: Signal, local: boolean) => void): () => void;
}
