/**
 * The load generator's side of the Faye peer (bench/faye/): Bayeux's long-polling transport spoken over the
 * same undici pools and the same exchange as Papo's client (client.ts), so the peer gets the same users,
 * connections and load-generator cost. Not Faye's own client, which would cost the load generator more and
 * differently (a scheduler, extensions and a dispatcher per client).
 *
 * The mapping: a recipient's first poll makes it a Bayeux client (`/meta/handshake`, then `/meta/subscribe`
 * to `/users/<name>`); each poll is a `/meta/connect`, held by Faye until a message for it is published (or 25 s
 * pass), whose answer carries the messages; the next connect is the next poll. A send is a publish to the
 * recipient's channel, answered once Faye has handed the message to its engine (in memory). Faye has no
 * cursor and no acknowledgement: what a connect hands over is gone from the server.
 */
import { Pool } from 'undici';
import type { Message, PollResponse, StreamEvent } from '../../api/contract.js';
import type { ApiClient } from './client.js';
import { exchanger } from './exchange.js';

const BAYEUX = '/bayeux';
const JSON_HEADERS = { 'content-type': 'application/json' };

/** One message of Bayeux as Faye answers it. */
interface BayeuxReply {
  channel: string;
  successful?: boolean;
  clientId?: string;
  error?: string;
  data?: { from: string; to: string; content: string };
}

export const userChannel = (username: string) => `/users/${username}`;

export function createFayeClient(url: string, options: { pollConnections: number; connections?: number }): ApiClient {
  const requests = new Pool(url, { connections: options.connections ?? 128, pipelining: 1, keepAliveTimeout: 30_000 });
  const polls = new Pool(url, {
    connections: options.pollConnections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 70_000,
    bodyTimeout: 70_000,
  });
  const exchange = exchanger();
  /** Each recipient's Bayeux client id, once it has one. */
  const clientIds = new Map<string, string>();
  let nextId = 0;

  async function bayeux(pool: Pool, messages: object[], signal?: AbortSignal): Promise<{ status: number; replies: BayeuxReply[] }> {
    const { status, text } = await exchange(
      pool,
      { method: 'POST', path: BAYEUX, headers: JSON_HEADERS, body: JSON.stringify(messages) },
      signal,
    );
    return { status, replies: status === 200 ? (JSON.parse(text) as BayeuxReply[]) : [] };
  }

  /** Handshake and subscribe: what Faye's own client does before its first connect. */
  async function join(username: string): Promise<string | undefined> {
    const hello = await bayeux(requests, [
      { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], id: String(++nextId) },
    ]);
    const clientId = hello.replies[0]?.clientId;
    if (clientId === undefined) return undefined;
    const sub = await bayeux(requests, [
      { channel: '/meta/subscribe', clientId, subscription: userChannel(username), id: String(++nextId) },
    ]);
    if (sub.replies[0]?.successful !== true) return undefined;
    clientIds.set(username, clientId);
    return clientId;
  }

  return {
    async send(from, to, content) {
      const { status, replies } = await bayeux(requests, [
        { channel: userChannel(to), data: { from: from.username, to, content }, id: String(++nextId) },
      ]);
      // Faye answers 200 with `successful` in the body; the benchmark counts a message accepted as Papo's 201.
      return { status: status === 200 && replies[0]?.successful === true ? 201 : status === 200 ? 400 : status, body: undefined };
    },
    async poll(user, _after, _waitSeconds, signal) {
      const clientId = clientIds.get(user.username) ?? (await join(user.username));
      if (clientId === undefined) return { status: 503, body: undefined };
      const { status, replies } = await bayeux(
        polls,
        [{ channel: '/meta/connect', clientId, connectionType: 'long-polling', id: String(++nextId) }],
        signal,
      );
      if (status !== 200) return { status, body: undefined };
      const events: StreamEvent[] = [];
      for (const r of replies) {
        if (r.channel === '/meta/connect') {
          // The engine forgot this client (it expires clients that stop connecting): join again next time.
          if (r.successful !== true) clientIds.delete(user.username);
        } else if (r.data !== undefined) {
          const message = { id: '', sentAt: '', status: 'sent', ...r.data } as Message;
          events.push({ type: 'message', message });
        }
      }
      const body: PollResponse = { events, cursor: '' };
      return { status: 200, body };
    },
    async login() {
      throw new Error('the Faye peer has no accounts');
    },
    async get(path) {
      return exchange(requests, { method: 'GET', path });
    },
    async heldPolls() {
      const { text } = await this.get('/metrics');
      const held = /^papo_held_polls (\d+)/m.exec(text)?.[1];
      if (held === undefined) throw new Error('/metrics has no papo_held_polls');
      return Number(held);
    },
    async close() {
      await Promise.all([requests.destroy(), polls.destroy()]);
    },
  };
}
