/**
 * kill -9 during blocks, unblocks and account deletions (issue #17): the real server as a child process, two
 * users toggling blocks, one loop deleting accounts that have a history, sessions and blocks, and SIGKILL at
 * random moments, restarting each time. After every restart each acknowledged block or unblock holds; a
 * deletion either completed or is finished at start: the account is never half-open (its name cannot log in
 * and its history, sessions and blocks are gone), or it never began (the account logs in as before).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverProcessesPerTest, sleep, type ServerProcess } from '../support/server-process.js';
import { killRepeatedly, requestUnlessDown, type Answer } from './support/kill-load.js';

const KILLS = process.env.PAPO_LONG ? 30 : 6;
const PASSWORD = 'a password for the kill test';
const BLOCKERS = ['bia0', 'bia1'];
const TARGETS = ['tom0', 'tom1', 'tom2'];
const DOOMED = Array.from({ length: process.env.PAPO_LONG ? 200 : 60 }, (_, i) => `dan${i}`);
const processes = serverProcessesPerTest();

/** Retries one request until the server answers it with something other than 503. */
async function answered(server: ServerProcess, cookie: string, method: string, url: string, body?: unknown): Promise<Answer> {
  for (;;) {
    const res = await requestUnlessDown(server, cookie, method, url, body);
    if (res && res.status !== 503) return res;
    await sleep(res ? 20 : 100);
  }
}

const login = (server: ServerProcess, username: string) => answered(server, '', 'POST', '/api/session', { username, password: PASSWORD });

/** The traces a deleted account must not leave in the folder (what it sent stays in other people's files). */
function traces(dataDir: string, username: string): string[] {
  const found: string[] = [];
  if (existsSync(path.join(dataDir, 'historico', `history_${username}.txt`))) found.push('its history file');
  // The name as a whole field: "dan1" is in "dan10", an account the load may be making right now.
  const named = new RegExp(`(?<![\\w.-])${username}(?![\\w.-])`);
  for (const file of ['bloqueios.txt', 'sessions.txt']) if (named.test(readFileSync(path.join(dataDir, file), 'utf8'))) found.push(file);
  return found;
}

describe('kill -9 during blocks, unblocks and account deletions', () => {
  it(
    `when the server is killed ${KILLS} times while blocks toggle and accounts are deleted, then every acknowledged block holds and no account is half deleted`,
    { timeout: process.env.PAPO_LONG ? 900_000 : 240_000 },
    async () => {
      const server = await processes.start();
      const cookies = new Map<string, string>();
      for (const user of [...BLOCKERS, ...TARGETS]) cookies.set(user, (await login(server, user)).cookie ?? '');
      const problems: string[] = [];
      /** blocker>target -> the last acknowledged state, and how many requests for the pair were started. */
      const acked = new Map<string, boolean>();
      const started = new Map<string, number>();
      const inFlight = new Set<string>();
      const deleted: string[] = [];
      let stop = false;

      async function blocker(user: string): Promise<void> {
        for (let i = 0; !stop; i++) {
          const target = TARGETS[i % TARGETS.length] ?? '';
          const pair = `${user}>${target}`;
          const block = !(acked.get(pair) ?? false);
          started.set(pair, (started.get(pair) ?? 0) + 1);
          inFlight.add(pair);
          const res = await answered(server, cookies.get(user) ?? '', block ? 'PUT' : 'DELETE', `/api/account/blocks/${target}`);
          inFlight.delete(pair);
          if (res.status !== 204) problems.push(`${block ? 'block' : 'unblock'} ${pair} got ${res.status}`);
          else acked.set(pair, block);
        }
      }

      /** Gives the account a history, a session and blocks both ways, then deletes it; answers when it is gone. */
      async function deleteOne(user: string): Promise<void> {
        let cookie = (await login(server, user)).cookie ?? '';
        await answered(server, cookie, 'POST', '/api/messages', { to: 'tom0', content: `${user}; adeus`, clientId: `${user}-1` });
        await answered(server, cookie, 'PUT', '/api/account/blocks/tom1');
        await answered(server, cookies.get('tom2') ?? '', 'PUT', `/api/account/blocks/${user}`);
        for (;;) {
          const res = await requestUnlessDown(server, cookie, 'DELETE', '/api/account', { password: PASSWORD });
          if (res?.status === 204) break;
          if (res && res.status !== 503) problems.push(`delete ${user} got ${res.status} ${JSON.stringify(res.json)}`);
          // Unanswered (killed): once the server is back, the deletion either finished at start or never began.
          const again = await login(server, user);
          if (again.status === 409) break;
          if (again.status !== 200) problems.push(`login of ${user} after an unanswered delete got ${again.status}`);
          cookie = again.cookie ?? '';
        }
        deleted.push(user);
      }

      async function deletions(): Promise<void> {
        for (const user of DOOMED) if (!stop) await deleteOne(user);
      }

      /** What each deleted account must look like once the server answers again: locked out, its data gone. */
      async function checkDeleted(users: readonly string[]): Promise<void> {
        for (const user of users) {
          const res = await login(server, user);
          if (res.status !== 409) problems.push(`deleted ${user} logs in: ${res.status}`);
          const left = traces(server.dataDir, user);
          if (left.length > 0) problems.push(`deleted ${user} left ${left.join(', ')}`);
        }
      }

      const load = [...BLOCKERS.map(blocker), deletions()];
      const kills = await killRepeatedly(server, KILLS, [300, 1500], () => {
        const before = new Map(acked);
        const startedBefore = new Map(started);
        const flying = new Set(inFlight);
        const gone = [...deleted];
        return async () => {
          for (const [user, list] of await Promise.all(
            BLOCKERS.map(async (u) => [u, await answered(server, cookies.get(u) ?? '', 'GET', '/api/account/blocks')] as const),
          )) {
            const now = new Set((list.json as { blocked: { username: string }[] }).blocked.map((b) => `${user}>${b.username}`));
            for (const [pair, state] of before) {
              // Untouched since the kill: the acknowledged state must be the one on disk.
              if (!pair.startsWith(`${user}>`) || flying.has(pair) || started.get(pair) !== startedBefore.get(pair)) continue;
              if (now.has(pair) !== state) problems.push(`after a restart ${pair} is ${now.has(pair) ? 'blocked' : 'unblocked'}`);
            }
          }
          await checkDeleted(gone);
        };
      });
      stop = true;
      await Promise.all(load);
      await server.kill();
      await server.start();
      await checkDeleted(deleted);

      expect(problems).toEqual([]);
      expect(kills).toBe(KILLS);
      expect(deleted.length).toBeGreaterThan(KILLS);
      expect(server.output()).not.toMatch(/"level":(50|60)/);
    },
  );
});
