import type { Logger } from '../logger.js';
import type { ProfileRepository, SignalChannel } from '../store/store.js';

/** Last-seen times go to the store in one batch this often (and at shutdown): never on a request's path. */
export const PRESENCE_FLUSH_MS = 60_000;
/** A user active here is announced to the other processes at most this often. */
const ANNOUNCE_EVERY_MS = 20_000;
/** Between one poll's answer and the next there is a moment without a held poll: still online. */
const LOCAL_GRACE_MS = 10_000;
/**
 * Online on another process: heard from it within this long. A polling user is announced at least every
 * held poll (at most 50 s, openapi.yaml `wait`), so a minute and a bit covers the longest wait.
 */
const REMOTE_GRACE_MS = 75_000;

export interface Presence {
  online: boolean;
  /** ms since the epoch, or null when never seen. */
  lastSeenAt: number | null;
}

/**
 * Who is online and when everyone was last seen (issue #19, item 11). Online means holding a poll, here or on
 * another process serving the same data (told by a `seen` signal, about every 20 s per user). Last seen is
 * kept in memory as polls come and go, and written to the store in batches (PRESENCE_FLUSH_MS): a server with
 * thousands online writes one batch a minute, not one row per poll. A kill -9 loses at most the last minute
 * of last-seen times; the settings that hide them are written at once (ProfileRepository.update).
 */
export class PresenceTracker {
  private readonly local = new Map<string, number>();
  private readonly remote = new Map<string, number>();
  private readonly announced = new Map<string, number>();
  private unsaved = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: { profiles: ProfileRepository; signals: SignalChannel },
    /** Whether this process holds a poll of the user now. */
    private readonly holds: (user: string) => boolean,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), PRESENCE_FLUSH_MS);
    this.timer.unref();
  }

  /** `user` polled here (a poll held, or one ended). */
  active(user: string): void {
    const at = this.now();
    this.local.set(user, at);
    this.unsaved.set(user, at);
    if (at - (this.announced.get(user) ?? 0) < ANNOUNCE_EVERY_MS) return;
    this.announced.set(user, at);
    this.store.signals
      .publish({ kind: 'seen', user, at })
      .catch((err: unknown) => this.log.warn({ err }, 'could not announce a user online'));
  }

  /** Another process saw `user` at `at`. */
  heard(user: string, at: number): void {
    if (at > (this.remote.get(user) ?? 0)) this.remote.set(user, at);
  }

  /** `user`'s presence, given the last seen the store keeps (ms, or null). */
  of(user: string, stored: number | null): Presence {
    const now = this.now();
    const local = this.local.get(user);
    const remote = this.remote.get(user);
    const online =
      this.holds(user) || (local !== undefined && now - local < LOCAL_GRACE_MS) || (remote !== undefined && now - remote < REMOTE_GRACE_MS);
    const seen = Math.max(stored ?? 0, local ?? 0, remote ?? 0);
    return { online, lastSeenAt: seen === 0 ? null : seen };
  }

  /** Writes the last-seen times not written yet; one batch at a time. A failed batch is retried with the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.unsaved;
      this.unsaved = new Map();
      if (batch.size > 0) {
        try {
          await this.store.profiles.recordLastSeen(batch);
        } catch (err) {
          for (const [user, at] of batch) if (at > (this.unsaved.get(user) ?? 0)) this.unsaved.set(user, at);
          this.log.warn({ err, users: batch.size }, 'could not write last-seen times; retrying with the next batch');
        }
      }
      this.sweep();
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** What the store now has, or what is too old to matter, is forgotten: memory stays with those online. */
  private sweep(): void {
    const now = this.now();
    for (const [user, at] of this.local) if (now - at >= LOCAL_GRACE_MS && !this.unsaved.has(user)) this.local.delete(user);
    for (const [user, at] of this.remote) if (now - at >= REMOTE_GRACE_MS) this.remote.delete(user);
    for (const [user, at] of this.announced) if (now - at >= ANNOUNCE_EVERY_MS) this.announced.delete(user);
  }
}
