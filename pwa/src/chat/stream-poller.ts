import type { StreamEvent } from '../../../api/contract';
import { ApiError, isAbort } from '../api/api-error';
import type { PapoApi } from '../api/papo-api';
import type { ConnectionStatus } from './chat-state';
import type { Device } from './device';

/** Seconds the server may hold a poll (it allows up to 50; 25 stays under most proxies' idle timeouts). */
const WAIT_SECONDS = 25;
/** A held request that outlives this is presumed dead (a phone that slept, a NAT that forgot us). */
const DEAD_AFTER_MS = (WAIT_SECONDS + 15) * 1000;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

export interface StreamPollerDeps {
  api: Pick<PapoApi, 'poll'>;
  device: Pick<Device, 'isOnline'>;
}

export interface StreamPollerHooks {
  loadCursor(): Promise<string | null>;
  saveCursor(cursor: string): Promise<void>;
  /** Must have applied (and cached) the events when it resolves: the next poll acknowledges them. */
  onEvents(events: StreamEvent[]): Promise<void>;
  onConnection(status: ConnectionStatus): void;
  onUnauthorized(): void;
  /** The server no longer keeps our cursor (410): local state may have a gap and must be reloaded. */
  onCursorExpired(): Promise<void>;
}

/**
 * The receive loop of issue #2's long-poll. The cursor is saved only after the events are applied, so a crash
 * in between makes the server send them again (the store merges duplicates) instead of losing them.
 */
export class StreamPoller {
  private running = false;
  private inFlight: AbortController | null = null;
  private wakeUp: (() => void) | null = null;
  /**
   * Whether the next poll should answer at once: at start, after a failure and after a kick, the screen says
   * "Connecting…" until a poll answers, and a held poll with nothing new answers only after WAIT_SECONDS
   * (issue #19, item 1: 26 s of "Connecting…" while everything worked). A poll that waits 0 s says within a
   * round trip whether the server is there; the holding ones follow.
   */
  private answerAtOnce = true;
  /** The running loop, so `pause` can wait until it has really ended. */
  private looping: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: StreamPollerDeps,
    private readonly hooks: StreamPollerHooks,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.looping = this.loop();
  }

  stop(): void {
    this.running = false;
    this.kick();
  }

  /**
   * Stops and resolves once no poll is in flight and the loop has ended, so a `start` after it never runs two
   * loops side by side (a password change holds the polls: issue #17).
   */
  async pause(): Promise<void> {
    this.stop();
    await this.looping;
  }

  /** Ends the current wait or held request now: the network came back, or the app came to the foreground. */
  kick(): void {
    this.answerAtOnce = true;
    this.inFlight?.abort();
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async loop(): Promise<void> {
    let cursor = await this.hooks.loadCursor();
    let backoff = FIRST_BACKOFF_MS;
    while (this.running) {
      if (!this.deps.device.isOnline()) {
        this.hooks.onConnection('offline');
        await this.sleep(MAX_BACKOFF_MS);
        continue;
      }
      const controller = new AbortController();
      this.inFlight = controller;
      const deadline = setTimeout(() => controller.abort(), DEAD_AFTER_MS);
      try {
        const answer = await this.deps.api.poll(cursor, this.answerAtOnce ? 0 : WAIT_SECONDS, controller.signal);
        this.answerAtOnce = false;
        this.hooks.onConnection('online');
        backoff = FIRST_BACKOFF_MS;
        if (answer.events.length > 0) await this.hooks.onEvents(answer.events);
        if (answer.cursor !== cursor) {
          cursor = answer.cursor;
          await this.hooks.saveCursor(cursor);
        }
      } catch (error) {
        this.answerAtOnce = true;
        if (!this.running) break;
        if (isAbort(error)) continue;
        if (error instanceof ApiError && error.status === 401) {
          this.running = false;
          this.hooks.onUnauthorized();
          break;
        }
        // An expired cursor (410) and one the server cannot read (400: another server's, a damaged cache) both
        // mean the same here: start over without one, from history.
        if (error instanceof ApiError && (error.code === 'cursor_expired' || error.code === 'invalid_cursor')) {
          cursor = null;
          await this.hooks.onCursorExpired();
          continue;
        }
        if (error instanceof ApiError && error.code === 'network') this.hooks.onConnection('offline');
        else console.warn('papo: poll failed', error);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      } finally {
        clearTimeout(deadline);
        this.inFlight = null;
      }
    }
  }
}
