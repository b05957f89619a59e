import type { Logger } from '../../logger.js';
import { closeState, type TextState } from './text-state.js';

/** How long a state replaced by a reload keeps its files open for the reads begun on it. */
const RETIRED_STATE_MS = 2000;

/** Where the state in use is kept: the text store reads it for every query. */
export interface StateHolder {
  get(): TextState | undefined;
  set(state: TextState): void;
}

/**
 * The text store's way back after a failed write or fsync (issue #15): trust nothing in memory, reopen every
 * file and replay the journal, until that works and leaves nothing unwritten. The state in use keeps answering
 * reads meanwhile: it is replaced only by a newer one (a full disk gives one that reads but takes no writes)
 * and closed a moment later, once reads begun on it have ended.
 */
export class StateRecovery {
  private reloading: Promise<void> | undefined;
  /** Ends the reload loop's wait early (stop). */
  private wakeReload: () => void = () => undefined;
  private stopping = false;
  /** States replaced by a reload, closed a moment later (`retire`). */
  private readonly retired: TextState[] = [];

  constructor(
    private readonly load: () => Promise<{ state: TextState; outOfSpace?: unknown }>,
    private readonly current: StateHolder,
    private readonly log: Logger,
  ) {}

  /** A data file could not be written or synced: writes are refused (503) until the reload works. */
  afterDiskFailure(err: unknown): void {
    this.log.error({ err }, 'a data file could not be written or synced; refusing writes until the files are re-checked');
    this.start();
  }

  /** The journal could not be re-applied at start for want of space: reads are served, writes wait (issue #15). */
  untilThereIsSpace(err: unknown): void {
    this.log.error({ err }, 'the disk is full: serving reads, refusing writes (503) until there is space to re-apply the journal');
    this.start();
  }

  /** Starts reloading, unless a reload is already running. */
  private start(): void {
    this.reloading ??= this.reloadUntilHealthy().finally(() => {
      this.reloading = undefined;
    });
  }

  /** Ends the reloading (a disk that stays full must not keep the server from stopping) and closes retired states. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeReload();
    await this.reloading;
    for (const old of this.retired.splice(0)) await closeState(old).catch(() => undefined);
  }

  private async reloadUntilHealthy(): Promise<void> {
    for (let delay = 200; !this.stopping; delay = Math.min(delay * 2, 5000)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeReload = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      const old = this.current.get();
      if (!old || this.stopping) return;
      try {
        const { state, outOfSpace } = await this.load();
        this.current.set(state);
        this.retire(old);
        if (outOfSpace === undefined) {
          this.log.info('data files re-checked; accepting writes again');
          return;
        }
        this.log.warn({ err: outOfSpace }, 'the disk is still full; refusing writes');
      } catch (err) {
        this.current.set(old);
        this.log.warn({ err }, 'data folder still failing');
      }
    }
  }

  /** Closes a replaced state once the reads begun on it had time to end (its files are open until then). */
  private retire(old: TextState): void {
    this.retired.push(old);
    setTimeout(() => {
      const i = this.retired.indexOf(old);
      if (i < 0) return; // closed by stop()
      this.retired.splice(i, 1);
      void closeState(old).catch(() => undefined);
    }, RETIRED_STATE_MS).unref();
  }
}
