/**
 * No interleaving (issue #6): 64 concurrent clients sending at once produce only whole, parseable lines, each
 * message once in the queue and once in each of its two histories. The full size (64 x 1,000) runs
 * with PAPO_LONG=1 (npm run test:long); the default run sends 64 x 25 so `npm test` stays fast.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanRecords } from '../../api/store/text/line-file.js';
import { decodeHistory, decodeQueue, decodeUser } from '../../api/store/text/records.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { PASSWORD } from '../support/users.js';
import { cookieFromHeaders } from '../support/cookies.js';

const LONG = Boolean(process.env.PAPO_LONG);
const CLIENTS = 64;
const PER_CLIENT = LONG ? 1000 : 25;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { LOG_LEVEL: 'warn' } });
});
afterAll(async () => {
  await server.destroy();
});

const name = (i: number) => `client${String(i).padStart(2, '0')}`;

async function login(username: string): Promise<string> {
  const res = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(res.status).toBe(201);
  return cookieFromHeaders(res.headers);
}

describe('concurrent appends', () => {
  it(
    `when ${CLIENTS} clients each send ${PER_CLIENT} messages at once, then every file holds only whole lines, each message once`,
    { timeout: LONG ? 1_200_000 : 120_000 },
    async () => {
      const cookies: string[] = [];
      for (let i = 0; i < CLIENTS; i++) cookies.push(await login(name(i)));
      const started = Date.now();
      await Promise.all(
        cookies.map(async (cookie, i) => {
          for (let n = 0; n < PER_CLIENT; n++) {
            // Contents of very different sizes, with every character the codec escapes.
            const content = `${name(i)}#${n};${'\\\n;'.repeat(n % 7)}${'x'.repeat((n * 131) % 3000)}`;
            const res = await fetch(`${server.url}/api/messages`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', cookie },
              body: JSON.stringify({ to: name((i + 1) % CLIENTS), content, clientId: `${i}-${n}` }),
            });
            expect(res.status).toBe(201);
          }
        }),
      );
      const seconds = (Date.now() - started) / 1000;
      const total = CLIENTS * PER_CLIENT;
      console.log(`interleaving: ${total} messages from ${CLIENTS} clients in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s)`);
      await server.stop();

      const load = async <T>(rel: string, decode: (l: string) => { ok: true; value: T } | { ok: false; reason: string }) => {
        const buf = await fsp.readFile(path.join(server.dataDir, rel));
        const loaded = scanRecords(rel, buf, decode);
        expect({ rel, torn: loaded.tornBytes, damage: loaded.damage }).toEqual({ rel, torn: 0, damage: [] });
        expect(loaded.records.length).toBe(buf.toString().split('\n').length - 1);
        return loaded.records.map((r) => r.value);
      };
      expect(await load('usuarios.txt', decodeUser)).toHaveLength(CLIENTS);
      const queue = await load('mensagens.txt', decodeQueue);
      expect(new Set(queue.map((q) => q.seq)).size).toBe(total);
      for (let i = 0; i < CLIENTS; i++) {
        const records = await load(`historico/history_${name(i)}.txt`, decodeHistory);
        const msgs = records.filter((r) => r.kind === 'msg');
        expect(msgs).toHaveLength(2 * PER_CLIENT);
        expect(new Set(msgs.map((m) => m.seq)).size).toBe(2 * PER_CLIENT);
        const mine = msgs.filter((m) => m.from === name(i)).map((m) => m.content);
        expect(mine).toEqual(
          Array.from({ length: PER_CLIENT }, (_, n) => `${name(i)}#${n};${'\\\n;'.repeat(n % 7)}${'x'.repeat((n * 131) % 3000)}`),
        );
      }
    },
  );
});
