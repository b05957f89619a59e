import { afterEach } from 'vitest';

/** Registers something to undo after the current test. */
export type Defer = (cleanup: () => unknown) => void;

/**
 * What a test sets up and must take down (a server, a folder, a schema, a proxy), undone after that test, the
 * last set up first, so a folder outlives the server on it. Call once, at the top of a test file.
 */
export function cleanupAfterEach(): Defer {
  const pending: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of pending.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => {
    pending.push(cleanup);
  };
}
