import { expect } from 'vitest';
import type { PollResponse, StreamEvent } from '../../api/contract.js';
import { specAgent, type SpecAgent } from './contract.js';

export const PASSWORD = 'correct horse battery';
/** A good password of exactly 72 bytes of UTF-8 (56 characters), bcrypt's limit. */
export const PASSWORD_72_BYTES = 'ação é coração, lição, razão, ênfase, índio, órfão: já éé';

/** One device of a user: a cookie jar whose every answer is checked against openapi.yaml. */
export async function signUp(url: string, username: string, password = PASSWORD): Promise<SpecAgent> {
  const device = specAgent(url);
  const res = await device.post('/api/session').send({ username, password });
  expect([200, 201]).toContain(res.status);
  return device;
}

/** Polls once; `wait` 0 answers at once. */
export async function poll(device: SpecAgent, after?: string, wait = 0): Promise<PollResponse> {
  const query = new URLSearchParams({ wait: String(wait), ...(after === undefined ? {} : { after }) });
  const res = await device.get(`/api/messages?${query}`).expect(200);
  return res.body as PollResponse;
}

export async function send(device: SpecAgent, to: string, content: string, clientId?: string) {
  const res = await device
    .post('/api/messages')
    .send({ to, content, ...(clientId === undefined ? {} : { clientId }) })
    .expect(201);
  return res.body.message as import('../../api/contract.js').Message;
}

export const messagesOf = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'message' ? [e.message] : []));
export const statusesOf = (events: StreamEvent[]) => events.flatMap((e) => (e.type === 'status' ? [e] : []));
