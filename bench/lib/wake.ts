/**
 * Issue #20's two-process figures on PostgreSQL: send latency (start of the POST to its 201) and the wake (the
 * sender's 201 to the answer of the recipient's poll held on the other process, which only LISTEN/NOTIFY can
 * have woken), idle and under the deliver load, each next to the floor for this store measured in the same
 * minute: a bare insert-and-commit round trip on the same database (insert-floor.ts).
 */
import type { InsertFloor } from './insert-floor.js';
import { sleep } from './scenario.js';
import { round, summarize, type Summary } from './stats.js';
import type { Traffic } from './traffic.js';

export interface WakePhase {
  phase: 'idle' | 'load';
  /** Messages a second offered (idle: one at a time). */
  rate: number;
  send: Summary;
  wake: Summary;
  /** Messages handed over before their 201 arrived (counted in `wake` as 0). */
  wokeBefore201: number;
  insertFloor: Summary;
  deliveredPerSecond: number;
}

/** Idle: `count` sends one at a time, each delivered before the next, then as many bare inserts. */
export async function idleWake(traffic: Traffic, floor: InsertFloor, count: number): Promise<WakePhase> {
  traffic.reset();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    await traffic.sendOne();
    await traffic.settle(2000);
    await sleep(20);
  }
  const seconds = (performance.now() - start) / 1000;
  const inserts: number[] = [];
  for (let i = 0; i < count; i++) {
    inserts.push(await floor.once());
    await sleep(20);
  }
  return phase('idle', count / seconds, traffic, inserts, seconds);
}

/** Under load: `rate` sends a second for `seconds` (open loop), with a bare insert every 20 ms beside them. */
export async function loadedWake(traffic: Traffic, floor: InsertFloor, rate: number, seconds: number): Promise<WakePhase> {
  traffic.reset();
  const start = performance.now();
  const load = traffic.openLoop(rate, seconds);
  const inserts = floor.during(load, 20);
  await load;
  const elapsed = (performance.now() - start) / 1000;
  await traffic.settle(5000);
  return phase('load', rate, traffic, await inserts, elapsed);
}

function phase(name: WakePhase['phase'], rate: number, traffic: Traffic, inserts: number[], seconds: number): WakePhase {
  return {
    phase: name,
    rate,
    send: summarize(traffic.sendLatency),
    wake: summarize(traffic.wakes),
    wokeBefore201: traffic.wokeBefore201,
    insertFloor: summarize(inserts),
    deliveredPerSecond: traffic.delivered / seconds,
  };
}

const ms = (v: number) => `${round(v)} ms`;

export function wakeRows(p: WakePhase): Record<string, string | number>[] {
  const label =
    p.phase === 'idle'
      ? `idle (${p.send.count} sends one at a time)`
      : `under ${p.rate} msg/s (delivered ${round(p.deliveredPerSecond, 0)}/s)`;
  return [
    { figure: `${label}: send p50 / p99`, value: `${ms(p.send.p50)} / ${ms(p.send.p99)}` },
    { figure: `${label}: bare insert-and-commit p50 / p99 (the floor)`, value: `${ms(p.insertFloor.p50)} / ${ms(p.insertFloor.p99)}` },
    { figure: `${label}: send / floor, p50 (target <= 1.5x)`, value: `${round(p.send.p50 / p.insertFloor.p50)}x` },
    {
      figure: `${label}: wake, 201 to the other process's poll answer, p50 / p99 (target p99 <= 5 ms)`,
      value: `${ms(p.wake.p50)} / ${ms(p.wake.p99)}${p.wokeBefore201 > 0 ? ` (${p.wokeBefore201} answered before their 201)` : ''}`,
    },
  ];
}

export function wakeFigures(p: WakePhase): { key: string; value: number }[] {
  const k = `postgres.${p.phase}`;
  return [
    { key: `${k}.send_p50_ms`, value: p.send.p50 },
    { key: `${k}.send_p99_ms`, value: p.send.p99 },
    { key: `${k}.insert_floor_p50_ms`, value: p.insertFloor.p50 },
    { key: `${k}.insert_floor_p99_ms`, value: p.insertFloor.p99 },
    { key: `${k}.send_over_floor_p50`, value: p.send.p50 / p.insertFloor.p50 },
    { key: `${k}.wake_p50_ms`, value: p.wake.p50 },
    { key: `${k}.wake_p99_ms`, value: p.wake.p99 },
  ];
}
