import type { Signal, SignalChannel } from '../store.js';

/** Signals within one process (the text store's: one process serves a data folder). */
export class LocalSignals implements SignalChannel {
  private readonly listeners = new Set<(signal: Signal, local: boolean) => void>();

  async publish(signal: Signal): Promise<void> {
    for (const listener of this.listeners) listener(signal, true);
  }

  subscribe(listener: (signal: Signal, local: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
