import type { Logger } from '../logger.js';
import type { Attachments } from './attachments.js';

/** How often uploads no message carries are looked for: they go a day after upload, give or take this. */
export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
/** The first sweep waits this long after start, so a start is not slowed by it. */
const FIRST_SWEEP_MS = 60 * 1000;

/**
 * Runs the sweep of unclaimed uploads (attachments.ts) now and then, one at a time. Returns the stop
 * function, which waits for a sweep in progress.
 */
export function sweepAttachments(attachments: Attachments, log: Logger): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= attachments
      .sweep()
      .then((removed) => {
        if (removed > 0) log.info({ removed }, 'removed uploads no message carries, a day after upload');
      })
      .catch((err: unknown) => log.warn({ err }, 'the sweep of unclaimed uploads failed; it runs again later'))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(run, FIRST_SWEEP_MS);
  const every = setInterval(run, SWEEP_INTERVAL_MS);
  first.unref();
  every.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(every);
    await running;
  };
}
