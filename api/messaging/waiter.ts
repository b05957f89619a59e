import type { TypingEvent } from '../contract.js';

/** Why a held poll stopped waiting. */
export type WakeReason = 'woken' | 'timeout' | 'evicted' | 'shutdown' | 'aborted' | 'answered' | 'session-ended';

/**
 * One held poll. It registers before the stream is read, so an event committed between that read and the
 * wait still wakes it: `next()` returns at once when a wake came since the last call.
 */
export class Waiter {
  private pendingWake = false;
  private resolveNext: ((reason: WakeReason) => void) | undefined;
  private finished: WakeReason | undefined;
  private readonly timer: NodeJS.Timeout;
  /** Ephemeral events (typing) given to this poll since it was held: never stored, handed over once. */
  private signals: TypingEvent[] = [];

  constructor(
    readonly user: string,
    /** The key of the session holding this poll (the SHA-256 of its id, as the stores keep it). */
    readonly session: string,
    timeoutMs: number,
    private readonly release: (w: Waiter) => void,
  ) {
    this.timer = setTimeout(() => this.finish('timeout'), timeoutMs);
  }

  /** Why the wait ended; undefined while it goes on. */
  get reason(): WakeReason | undefined {
    return this.finished;
  }

  /** The session holding this poll has ended: whatever the poll read since must not be handed over. */
  get sessionEnded(): boolean {
    return this.finished === 'session-ended';
  }

  next(): Promise<WakeReason> {
    if (this.finished) return Promise.resolve(this.finished);
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve('woken');
    }
    return new Promise((resolve) => {
      this.resolveNext = resolve;
    });
  }

  /** Takes the ephemeral events given to this poll so far. */
  takeSignals(): TypingEvent[] {
    const taken = this.signals;
    this.signals = [];
    return taken;
  }

  /** Gives this poll an ephemeral event (the newest from each sender wins) and wakes it. */
  signal(event: TypingEvent): void {
    if (this.finished) return;
    this.signals = [...this.signals.filter((e) => e.from !== event.from), event];
    this.wake();
  }

  wake(): void {
    if (this.finished) return;
    const resolve = this.resolveNext;
    this.resolveNext = undefined;
    if (resolve) resolve('woken');
    else this.pendingWake = true;
  }

  /** Ends the wait for good (timeout, eviction, shutdown, client gone, or answered). */
  finish(reason: WakeReason): void {
    if (this.finished) return;
    this.finished = reason;
    clearTimeout(this.timer);
    this.release(this);
    this.resolveNext?.(reason);
    this.resolveNext = undefined;
  }
}
