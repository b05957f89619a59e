/** How long a typing signal shows in the peer's chat unless another comes (issue #19, item 10). */
export const TYPING_SECONDS = 5;
/** One typing signal per sender and recipient is passed on in this time; the rest are coalesced into it. */
export const TYPING_INTERVAL_MS = 2_500;
/** Pairs remembered before the old ones are swept. */
const SWEEP_AT = 10_000;

/**
 * The typing signals' rate limit, in memory: a client sends one on every few key presses, and only one per
 * TYPING_INTERVAL_MS for a pair goes on to the peer's polls. Extra ones are dropped silently (the answer is the
 * same 204): the signal they would have sent is already on its way, and a typist should not see errors. Each
 * process counts its own: a limit that costs a database write per key press would cost more than it saves.
 */
export class TypingLimiter {
  private readonly last = new Map<string, number>();

  /** True when a signal from `from` to `to` at `now` goes on to the peer. */
  accept(from: string, to: string, now: number): boolean {
    const key = `${from} ${to}`;
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < TYPING_INTERVAL_MS) return false;
    if (this.last.size >= SWEEP_AT) this.sweep(now);
    this.last.set(key, now);
    return true;
  }

  private sweep(now: number): void {
    for (const [key, at] of this.last) if (now - at >= TYPING_INTERVAL_MS) this.last.delete(key);
  }
}
