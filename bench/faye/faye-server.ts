/**
 * The peer (issue #20): Faye (https://faye.jcoglan.com, the npm package), the Bayeux server a person would pick
 * instead of Papo for pushing messages to browsers, as its documentation sets it up: a `NodeAdapter` on Node's
 * own `http` server, its in-memory engine, long-polling. It keeps nothing on disk and has no sessions, history
 * or receipts: Papo beating it while durable is the goal of issue #20. The load generator speaks Bayeux to it
 * over the same undici pools it uses for Papo (bench/lib/faye-client.ts), with the same users, rates and windows.
 *
 * Besides Faye's endpoint (/bayeux) it answers what the benchmark asks of every server: /healthz, and /metrics
 * with the number of held `/meta/connect` requests (counted by a Faye extension: one counter on the way in and
 * one on the way out of each connect), which is how the benchmark knows every recipient is listening.
 *
 * Environment: HOST, PORT, POLL_WAIT_SECONDS (default 25); DATA_DIR is given but unused (nothing is kept).
 */
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The part of Faye's API used here (the package ships no types). */
interface BayeuxMessage {
  channel: string;
}
interface FayeExtension {
  incoming?(message: BayeuxMessage, callback: (m: BayeuxMessage) => void): void;
  outgoing?(message: BayeuxMessage, callback: (m: BayeuxMessage) => void): void;
}
interface FayeAdapter {
  handle(req: IncomingMessage, res: ServerResponse): void;
  addExtension(extension: FayeExtension): void;
  close(): void;
}
const faye = createRequire(import.meta.url)('faye') as {
  NodeAdapter: new (options: { mount: string; timeout: number }) => FayeAdapter;
};

/** How long a connect is held, in seconds: what the load generator asks of Papo (25 s, bench/lib/traffic.ts; 50 s in bench:count). */
const POLL_WAIT_SECONDS = Number(process.env.POLL_WAIT_SECONDS ?? 25);
const bayeux = new faye.NodeAdapter({ mount: '/bayeux', timeout: POLL_WAIT_SECONDS });

let held = 0;
bayeux.addExtension({
  incoming(message, callback) {
    if (message.channel === '/meta/connect') held++;
    callback(message);
  },
  outgoing(message, callback) {
    if (message.channel === '/meta/connect') held--;
    callback(message);
  },
});

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/bayeux')) return bayeux.handle(req, res);
  if (url === '/healthz') return void res.end('ok');
  if (url === '/metrics') return void res.end(`papo_held_polls ${held}\n`);
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('the peer answers /bayeux, /healthz and /metrics');
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  bayeux.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
