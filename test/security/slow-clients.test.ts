/**
 * Slow clients (issue #6): connections that send their headers or their body a byte at a time are cut off by
 * the server's timeouts (api/server.ts: headers 10 s, whole request 65 s), and the server's memory is flat
 * afterwards. Slow headers run in every `npm test` (about 12 s); slow bodies only with PAPO_LONG=1 (65 s+).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

const LONG = Boolean(process.env.PAPO_LONG);
const CONNECTIONS = LONG ? 300 : 50;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { LOG_LEVEL: 'warn' } });
});
afterAll(async () => {
  await server.destroy();
});

/** Opens a connection that writes `first` and then one more byte every second; resolves when the server closes it. */
function trickle(first: string, port: number): { closed: Promise<number>; socket: Socket } {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(first);
  const timer = setInterval(() => socket.write('a'), 1000);
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    }),
  );
  return { closed, socket };
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe('slow clients', () => {
  it(
    `when ${CONNECTIONS} clients send their headers a byte a second, then each is cut off after the headers timeout and memory is flat`,
    { timeout: 60_000 },
    async () => {
      const port = Number(new URL(server.url).port);
      const before = heapMiB();
      const clients = Array.from({ length: CONNECTIONS }, () => trickle('GET /api/session HTTP/1.1\r\nHost: x\r\nX-Slow: ', port));
      const durations = await Promise.all(clients.map((c) => c.closed));
      expect(Math.min(...durations)).toBeGreaterThanOrEqual(9_000);
      expect(Math.max(...durations)).toBeLessThan(15_000);
      expect(server.running.server.listening).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(heapMiB() - before).toBeLessThan(20);
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(200);
    },
  );

  it.runIf(LONG)(
    'when clients send a body a byte a second, then each is cut off after the request timeout',
    { timeout: 120_000 },
    async () => {
      const port = Number(new URL(server.url).port);
      const head = 'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"username":"';
      const clients = Array.from({ length: 20 }, () => trickle(head, port));
      const durations = await Promise.all(clients.map((c) => c.closed));
      expect(Math.max(...durations)).toBeLessThan(80_000);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    },
  );
});
