/**
 * PostgreSQL's own CPU (issue #20): the closed loop on two Papo processes uses all of the machine's cores, and
 * Papo's CPU a message says nothing of what the database spends beside it. The cluster the benchmark uses runs
 * on this machine (127.0.0.1), so its processes are in /proc: every process named `postgres` (the backends,
 * the WAL writer, the checkpointer) is summed. Processes that start or end during a window are counted for the
 * part of it they lived, which for the benchmark's pools (opened before and closed after) is none.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { sampleProcess } from './server.js';

/** CPU seconds every `postgres` process on this machine has used so far, or undefined when none can be read. */
export function postgresCpuSeconds(): number | undefined {
  let total = 0;
  let seen = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += sampleProcess(Number(entry)).cpuSeconds;
      seen++;
    } catch {
      // Gone between the listing and the read: it is counted in no window, as said above.
    }
  }
  return seen === 0 ? undefined : total;
}

/** `run`, and PostgreSQL's CPU a unit of `work()` over it (µs), or undefined when its processes are not here. */
export async function withPostgresCpu<T>(run: () => Promise<T>, work: () => number): Promise<[T, number | undefined]> {
  const before = postgresCpuSeconds();
  const workBefore = work();
  const result = await run();
  const after = postgresCpuSeconds();
  const done = work() - workBefore;
  if (before === undefined || after === undefined || done <= 0) return [result, undefined];
  return [result, ((after - before) / done) * 1e6];
}
