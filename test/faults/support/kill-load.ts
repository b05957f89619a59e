/**
 * What the kill -9 tests (kill9*.test.ts) share: a request that a killed server may leave unanswered, the
 * loop that kills and restarts the server under load, and the check that every file loads without damage.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { PollResponse } from '../../../api/contract.js';
import { scanRecords } from '../../../api/store/text/line-file.js';
import type { Decoded } from '../../../api/store/text/records.js';
import { sleep, type ServerProcess } from '../../support/server-process.js';

export interface Answer {
  status: number;
  json: unknown;
  /** The session cookie (`papo.sid=...`) the answer set, if any. */
  cookie?: string;
}

/** One request; undefined when the server was not there to answer it (killed, restarting). */
export async function requestUnlessDown(
  server: ServerProcess,
  cookie: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<Answer | undefined> {
  try {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const set = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('papo.sid='))
      ?.split(';')[0];
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined, ...(set ? { cookie: set } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Kills the server `times` times, each after a random pause of `pauseMs` (from, to), and starts it again.
 * `beforeKill` runs just before each kill and may answer a check to run once the server answers again (of
 * what was acknowledged before the kill). Answers how many kills there were.
 */
export async function killRepeatedly(
  server: ServerProcess,
  times: number,
  pauseMs: readonly [number, number],
  beforeKill: () => (() => Promise<void>) | undefined = () => undefined,
): Promise<number> {
  let kills = 0;
  for (; kills < times; kills++) {
    await sleep(pauseMs[0] + Math.random() * (pauseMs[1] - pauseMs[0]));
    const afterRestart = beforeKill();
    await server.kill();
    await server.start();
    await afterRestart?.();
  }
  return kills;
}

/** Reads a record file of the folder, noting a torn tail or a damaged line in `problems`; answers its records. */
export function recordLoader(dataDir: string, problems: string[]) {
  return async <T>(rel: string, decode: (line: string) => Decoded<T>): Promise<T[]> => {
    const loaded = scanRecords(rel, await fsp.readFile(path.join(dataDir, rel)), decode);
    if (loaded.tornBytes > 0 || loaded.damage.length > 0)
      problems.push(`${rel}: ${loaded.tornBytes} torn bytes, damage ${JSON.stringify(loaded.damage)}`);
    return loaded.records.map((r) => r.value);
  };
}

/**
 * One long-poll of the stream after `cursor`; undefined when it brought nothing to read (the server down or
 * restarting, or an answer other than 200, which is noted in `problems`), after a short pause.
 */
export async function pollOnce(
  server: ServerProcess,
  cookie: string,
  cursor: string | undefined,
  problems: string[],
): Promise<PollResponse | undefined> {
  const query = new URLSearchParams({ wait: '1', ...(cursor === undefined ? {} : { after: cursor }) });
  const res = await requestUnlessDown(server, cookie, 'GET', `/api/messages?${query}`);
  if (res?.status === 200) return res.json as PollResponse;
  if (res && res.status !== 503) problems.push(`poll got ${res.status} ${JSON.stringify(res.json)}`);
  await sleep(100);
  return undefined;
}
