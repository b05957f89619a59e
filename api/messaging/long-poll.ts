import type { TypingEvent } from '../contract.js';
import { Waiter } from './waiter.js';
import { AppError } from '../errors.js';

export interface PollLimits {
  /** Polls one user may hold at once; one more ends the oldest. */
  perUser: number;
  /** Polls the whole server holds at once; one more is refused (503). */
  total: number;
}

/** Bounds the memory of typing signals kept for people between two polls. */
const MAX_UNHEARD_USERS = 10_000;

/**
 * How long an ended session is remembered: longer than a poll can take from its session check to being held
 * (the check reads the session, and may write its expiry), so a logout in between still ends it.
 */
const ENDED_SESSION_MEMORY_MS = 60_000;
/** How long a session's last answered poll is remembered (LongPollHub.isLive). */
const ANSWERED_MEMORY_MS = 60_000;

/**
 * The held long-polls, per user. The store tells it whose streams grew (after the write is durable) and it
 * wakes their polls; the limits keep one user, or everyone together, from pinning unbounded resources. The
 * store also tells it which sessions ended (issue #15, item 5): their polls are answered at once, empty.
 */
export class LongPollHub {
  private readonly byUser = new Map<string, Set<Waiter>>();
  /** Sessions that ended lately, and when (oldest first): a poll they still hold is ended as it registers. */
  private readonly ended = new Map<string, number>();
  /**
   * Sessions whose poll was answered lately, and when (oldest first): a live client polls again at once, so
   * for a moment after its answer it is live without holding a poll (Web Push skips it, issue #17).
   */
  private readonly answered = new Map<string, number>();
  private count = 0;
  /**
   * Typing signals that found none of the peer's polls held (between two polls, a poll is away for a round
   * trip): kept until they would have faded, and handed to the peer's next poll, so "typing…" is not lost to
   * bad timing. Ephemeral still: in memory only, the newest from each sender.
   */
  private readonly unheard = new Map<string, Map<string, { event: TypingEvent; until: number }>>();
  private closed = false;

  constructor(
    private readonly limits: PollLimits,
    /** Told each time a user's poll is held or ends: their last seen (api/profiles/presence.ts). */
    private readonly onActive: (user: string) => void = () => undefined,
  ) {}

  get held(): number {
    return this.count;
  }

  /** Whether this process holds a poll of `user` now: they are online. */
  isHolding(user: string): boolean {
    return this.byUser.has(user);
  }

  /**
   * Hands an ephemeral event to the polls `user` holds here, and to nobody else (issue #19, item 10). One that
   * finds no held poll waits for the next poll `user` holds here, until it would have faded.
   */
  signal(user: string, event: TypingEvent): void {
    const mine = this.byUser.get(user);
    if (mine && mine.size > 0) {
      for (const w of mine) w.signal(event);
      return;
    }
    const now = Date.now();
    if (this.unheard.size >= MAX_UNHEARD_USERS) this.forgetFaded(now);
    if (this.unheard.size >= MAX_UNHEARD_USERS) return;
    const waiting = this.unheard.get(user) ?? new Map<string, { event: TypingEvent; until: number }>();
    waiting.set(event.from, { event, until: now + event.seconds * 1000 });
    this.unheard.set(user, waiting);
  }

  /** Drops the unheard signals that have faded by `now`. */
  private forgetFaded(now: number): void {
    for (const [user, waiting] of this.unheard) {
      for (const [from, { until }] of waiting) if (until <= now) waiting.delete(from);
      if (waiting.size === 0) this.unheard.delete(user);
    }
  }

  /** Holds a poll of `user` by the session whose key is `session`, for at most `timeoutMs`. */
  hold(user: string, session: string, timeoutMs: number): Waiter {
    if (this.closed) throw new AppError('unavailable', 'the server is shutting down');
    if (this.ended.has(session)) {
      // Its session ended while the poll was on its way here: answered at once, and it evicts nobody.
      const gone = new Waiter(user, session, 0, () => undefined);
      gone.finish('session-ended');
      return gone;
    }
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
    const waiter = new Waiter(user, session, timeoutMs, (w) => this.release(w));
    mine.add(waiter);
    this.count++;
    this.onActive(user);
    const waiting = this.unheard.get(user);
    if (waiting) {
      this.unheard.delete(user);
      const now = Date.now();
      for (const { event, until } of waiting.values()) if (until > now) waiter.signal(event);
    }
    return waiter;
  }

  /**
   * These sessions ended (logout, expiry, a new id at login; on any process): their held polls answer now,
   * with no events, and the client's next poll gets its 401. Held polls are not indexed by session, which
   * would cost memory on every one of thousands of held polls (issue #4); sessions end seldom, and a scan of
   * the held polls takes well under a millisecond.
   */
  endSessions(keys: readonly string[]): void {
    const now = Date.now();
    for (const [key, at] of this.ended) {
      if (now - at < ENDED_SESSION_MEMORY_MS) break;
      this.ended.delete(key);
    }
    const ending = new Set(keys);
    for (const key of keys) {
      this.ended.delete(key);
      this.ended.set(key, now);
    }
    for (const mine of [...this.byUser.values()]) {
      for (const w of [...mine]) if (ending.has(w.session)) w.finish('session-ended');
    }
  }

  /** The sessions that hold polls now: after the store may have missed some ends, it checks these. */
  heldSessions(): Set<string> {
    const keys = new Set<string>();
    for (const mine of this.byUser.values()) for (const w of mine) keys.add(w.session);
    return keys;
  }

  /**
   * True while `user` holds a poll by the session whose key is `session`, or had one answered less than
   * `graceMs` ago (it is polling again, or about to): that device receives messages live, and Web Push skips
   * it (issue #17).
   */
  isLive(user: string, session: string, graceMs: number): boolean {
    const mine = this.byUser.get(user);
    if (mine) for (const w of mine) if (w.session === session) return true;
    const at = this.answered.get(session);
    return at !== undefined && Date.now() - at < Math.min(graceMs, ANSWERED_MEMORY_MS);
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
    if (w.reason === 'answered' || w.reason === 'timeout' || w.reason === 'woken') this.rememberAnswered(w.session);
    this.count--;
    if (mine.size === 0) this.byUser.delete(w.user);
    this.onActive(w.user);
  }

  private rememberAnswered(session: string): void {
    const now = Date.now();
    for (const [key, at] of this.answered) {
      if (now - at < ANSWERED_MEMORY_MS) break;
      this.answered.delete(key);
    }
    this.answered.delete(session);
    this.answered.set(session, now);
  }
}
