/**
 * The load generator's HTTP exchange on undici's dispatcher interface, shared by the clients of every server
 * it drives (Papo and the floor in client.ts, the Faye peer in faye-client.ts), so each is asked the same way
 * and at the same cost to the load generator.
 */
import type { Dispatcher, Pool } from 'undici';

export type Exchange = (pool: Pool, options: Dispatcher.DispatchOptions, signal?: AbortSignal) => Promise<{ status: number; text: string }>;

/** An exchange function with its own table of what aborts the exchanges in progress. */
export function exchanger(): Exchange {
  /**
   * What aborts each exchange in progress, by the signal that stops it. All the held polls share one
   * signal, and EventTarget looks through the listeners already there at every addEventListener: one
   * listener a poll would cost the load generator time that grows with the square of the polls held.
   */
  const aborters = new WeakMap<AbortSignal, Set<(reason: Error) => void>>();
  function abortersOf(signal: AbortSignal): Set<(reason: Error) => void> {
    let set = aborters.get(signal);
    if (!set) {
      const created = new Set<(reason: Error) => void>();
      signal.addEventListener(
        'abort',
        () => {
          for (const abort of created) abort(signal.reason as Error);
        },
        { once: true },
      );
      aborters.set(signal, created);
      set = created;
    }
    return set;
  }

  /**
   * One exchange on undici's dispatcher interface, the body collected as text. `request()` hands each answer
   * over as a stream, with its headers parsed and an async resource around it; on a 2-core machine the load
   * generator shares the cores with the server, so CPU it spends is CPU the server does not get (issue #4;
   * the figures are in docs/performance.md).
   */
  return function exchange(
    pool: Pool,
    options: Dispatcher.DispatchOptions,
    signal?: AbortSignal,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let status = 0;
      const chunks: Buffer[] = [];
      let abort: ((reason: Error) => void) | undefined;
      const done = () => {
        if (signal && abort) aborters.get(signal)?.delete(abort);
      };
      pool.dispatch(options, {
        // Called again when undici retries the request: the abort then goes to the new attempt.
        onRequestStart(controller) {
          if (!signal) return;
          if (signal.aborted) return controller.abort(signal.reason as Error);
          done();
          abort = (reason) => controller.abort(reason);
          abortersOf(signal).add(abort);
        },
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          done();
          resolve({ status, text: chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString() });
        },
        onResponseError(_controller, err) {
          done();
          reject(err);
        },
      });
    });
  };
}
