import { AppError } from '../errors.js';

/** Why a held poll stopped waiting. */
export type WakeReason = 'woken' | 'timeout' | 'evicted' | 'shutdown' | 'aborted' | 'answered';

export interface PollLimits {
  /** Polls one user may hold at once; one more ends the oldest. */
  perUser: number;
  /** Polls the whole server holds at once; one more is refused (503). */
  total: number;
}

/**
 * One held poll. It registers before the stream is read, so an event committed between that read and the
 * wait still wakes it: `next()` returns at once when a wake came since the last call.
 */
export class Waiter {
  private pendingWake = false;
  private resolveNext: ((reason: WakeReason) => void) | undefined;
  private finished: WakeReason | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly user: string,
    timeoutMs: number,
    private readonly release: (w: Waiter) => void,
  ) {
    this.timer = setTimeout(() => this.finish('timeout'), timeoutMs);
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

/**
 * The held long-polls, per user. The store tells it whose streams grew (after the write is durable) and it
 * wakes their polls; the limits keep one user, or everyone together, from pinning unbounded resources.
 */
export class LongPollHub {
  private readonly byUser = new Map<string, Set<Waiter>>();
  private count = 0;
  private closed = false;

  constructor(private readonly limits: PollLimits) {}

  get held(): number {
    return this.count;
  }

  hold(user: string, timeoutMs: number): Waiter {
    if (this.closed) throw new AppError('unavailable', 'the server is shutting down');
    let mine = this.byUser.get(user);
    if (mine && mine.size >= this.limits.perUser) {
      // Sets iterate in insertion order: the first is the oldest poll.
      mine.values().next().value?.finish('evicted');
    }
    if (this.count >= this.limits.total) {
      throw new AppError('unavailable', 'the server is holding as many polls as it can; retry in a few seconds', {
        headers: { 'Retry-After': '5' },
      });
    }
    mine = this.byUser.get(user) ?? new Set();
    this.byUser.set(user, mine);
    const waiter = new Waiter(user, timeoutMs, (w) => this.release(w));
    mine.add(waiter);
    this.count++;
    return waiter;
  }

  wake(users: readonly string[]): void {
    for (const user of users) {
      const mine = this.byUser.get(user);
      if (mine) for (const w of mine) w.wake();
    }
  }

  /** Answers every held poll at once (empty) and refuses new ones. */
  shutdown(): void {
    this.closed = true;
    for (const mine of [...this.byUser.values()]) for (const w of [...mine]) w.finish('shutdown');
  }

  private release(w: Waiter): void {
    const mine = this.byUser.get(w.user);
    if (!mine?.delete(w)) return;
    this.count--;
    if (mine.size === 0) this.byUser.delete(w.user);
  }
}
