/**
 * The load generator's side of the API, on undici pools: one for the held polls (each holds a connection),
 * one for everything else, so a send never waits behind a poll.
 */
import { Pool } from 'undici';
import type { LoginResponse, PollResponse, SendResponse } from '../../api/contract.js';
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

  async function json<T>(res: {
    statusCode: number;
    body: { json(): Promise<unknown>; dump(): Promise<void> };
  }): Promise<{ status: number; body: T | undefined }> {
    if (res.statusCode >= 300 || res.statusCode === 204) {
      await res.body.dump();
      return { status: res.statusCode, body: undefined };
    }
    return { status: res.statusCode, body: (await res.body.json()) as T };
  }

  return {
    async send(from, to, content) {
      const res = await requests.request({
        method: 'POST',
        path: '/api/messages',
        headers: { cookie: from.cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ to, content }),
      });
      return json<SendResponse>(res);
    },
    async poll(user, after, waitSeconds, signal) {
      const query = after === undefined ? `wait=${waitSeconds}` : `after=${encodeURIComponent(after)}&wait=${waitSeconds}`;
      const res = await polls.request({
        method: 'GET',
        path: `/api/messages?${query}`,
        headers: { cookie: user.cookie },
        ...(signal ? { signal } : {}),
      });
      return json<PollResponse>(res);
    },
    async login(username, password) {
      const res = await requests.request({
        method: 'POST',
        path: '/api/session',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      return json<LoginResponse>(res);
    },
    async get(path, user) {
      const res = await requests.request({ method: 'GET', path, headers: user ? { cookie: user.cookie } : {} });
      return { status: res.statusCode, text: await res.body.text() };
    },
    async heldPolls() {
      const { text } = await this.get('/metrics');
      return Number(/^papo_held_polls (\d+)/m.exec(text)?.[1] ?? NaN);
    },
    async close() {
      await Promise.all([requests.destroy(), polls.destroy()]);
    },
  };
}
