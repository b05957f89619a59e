/**
 * The load generator's side of the API, on undici pools: one for the held polls (each holds a connection),
 * one for everything else, so a send never waits behind a poll.
 */
import { Pool } from 'undici';
import type { LoginResponse, PollResponse, SendResponse } from '../../api/contract.js';
import { exchanger } from './exchange.js';
import type { SeededUser } from './seed.js';

export interface ApiClient {
  send(from: SeededUser, to: string, content: string): Promise<{ status: number; body: SendResponse | undefined }>;
  poll(
    user: SeededUser,
    after: string | undefined,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: PollResponse | undefined }>;
  /** Logs in or signs up (POST /api/session). */
  login(username: string, password: string): Promise<{ status: number; body: LoginResponse | undefined }>;
  get(path: string, user?: SeededUser): Promise<{ status: number; text: string }>;
  heldPolls(): Promise<number>;
  close(): Promise<void>;
}

export function createClient(url: string, options: { pollConnections: number; connections?: number }): ApiClient {
  const requests = new Pool(url, { connections: options.connections ?? 128, pipelining: 1, keepAliveTimeout: 30_000 });
  const polls = new Pool(url, {
    connections: options.pollConnections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    // A poll may be held 50 s.
    headersTimeout: 70_000,
    bodyTimeout: 70_000,
  });

  const exchange = exchanger();

  /** The answer's JSON body, when it is a success that has one. */
  async function json<T>(pending: Promise<{ status: number; text: string }>): Promise<{ status: number; body: T | undefined }> {
    const { status, text } = await pending;
    return { status, body: status >= 300 || status === 204 ? undefined : (JSON.parse(text) as T) };
  }

  return {
    async send(from, to, content) {
      return json<SendResponse>(
        exchange(requests, {
          method: 'POST',
          path: '/api/messages',
          headers: { cookie: from.cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ to, content }),
        }),
      );
    },
    async poll(user, after, waitSeconds, signal) {
      const query = after === undefined ? `wait=${waitSeconds}` : `after=${encodeURIComponent(after)}&wait=${waitSeconds}`;
      return json<PollResponse>(
        exchange(polls, { method: 'GET', path: `/api/messages?${query}`, headers: { cookie: user.cookie } }, signal),
      );
    },
    async login(username, password) {
      return json<LoginResponse>(
        exchange(requests, {
          method: 'POST',
          path: '/api/session',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        }),
      );
    },
    async get(path, user) {
      return exchange(requests, { method: 'GET', path, headers: user ? { cookie: user.cookie } : {} });
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
