/**
 * The floor for a send on PostgreSQL (issue #20): a bare insert-and-commit round trip on the same database as
 * Papo, from this process, on a connection of its own. An INSERT outside a transaction commits on its own
 * (and waits for the WAL to be flushed, as Papo's send does), so one query is the least a durable send can
 * cost on this store. Papo's send latency is read as a ratio to it, measured in the same run.
 */
import pg from 'pg';
import { sleep } from './scenario.js';

/** What a message's row would hold: about the benchmark's 200-byte message. */
const BODY = 'x'.repeat(200);

export interface InsertFloor {
  /** One insert-and-commit, timed in ms. */
  once(): Promise<number>;
  /** One insert every `everyMs` until `until` resolves: the round trips' times. */
  during(until: Promise<unknown>, everyMs: number): Promise<number[]>;
  close(): Promise<void>;
}

/** A table of its own in the schema `url` points at (its search_path), on a connection of its own. */
export async function insertFloor(url: string): Promise<InsertFloor> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    'CREATE TABLE bench_insert_floor (id bigserial PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())',
  );
  const once = async () => {
    const start = performance.now();
    await client.query({ name: 'bench-insert-floor', text: 'INSERT INTO bench_insert_floor (body) VALUES ($1)', values: [BODY] });
    return performance.now() - start;
  };
  return {
    once,
    async during(until, everyMs) {
      let done = false;
      void until.finally(() => (done = true));
      const times: number[] = [];
      while (!done) {
        times.push(await once());
        await sleep(everyMs);
      }
      return times;
    },
    async close() {
      await client.end();
    },
  };
}
