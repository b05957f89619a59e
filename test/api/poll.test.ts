import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specAgent, type SpecAgent } from '../support/contract.js';
import { heldPolls } from '../support/metrics.js';
import { STORES, startTestServer, type TestServer } from '../support/server.js';
import { messagesOf, poll, send, signUp, statusesOf } from '../support/users.js';

describe.each(STORES)('on the %s store', (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store, env: { MAX_POLLS_PER_USER: '3' } });
  });
  afterAll(async () => {
    await server.destroy();
  });

  let n = 0;
  /** Two fresh users per test, so tests do not see each other's messages. */
  async function pair(): Promise<{ a: SpecAgent; b: SpecAgent; an: string; bn: string }> {
    n++;
    const an = `sender${n}`;
    const bn = `receiver${n}`;
    return { a: await signUp(server.url, an), b: await signUp(server.url, bn), an, bn };
  }

  describe('GET /api/messages (long-poll)', () => {
    it('when a message is sent while the recipient waits, then the held poll answers with it at once', async () => {
      const { a, b, bn } = await pair();
      const start = await poll(b);
      const started = Date.now();
      const held = poll(b, start.cursor, 20);
      await new Promise((r) => setTimeout(r, 100));
      const sent = await send(a, bn, 'live!');
      const answer = await held;
      expect(Date.now() - started).toBeLessThan(5000);
      expect(messagesOf(answer.events)).toEqual([{ ...sent, status: 'sent' }]);
      expect(answer.cursor).not.toBe(start.cursor);
    });

    it('when nothing happens, then it answers after `wait` seconds with no events and the same cursor', async () => {
      const { b } = await pair();
      const start = await poll(b);
      const t0 = Date.now();
      const res = await poll(b, start.cursor, 1);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect(res).toEqual({ events: [], cursor: start.cursor });
    });

    it('when the recipient was away, then the first poll without a cursor hands over the offline messages in order', async () => {
      const { a, bn } = await pair();
      const sent = [await send(a, bn, 'one'), await send(a, bn, 'two'), await send(a, bn, 'three')];
      const later = specAgent(server.url);
      await later.post('/api/session').send({ username: bn, password: 'correct horse battery' }).expect(200);
      const res = await poll(later);
      expect(messagesOf(res.events).map((m) => m.id)).toEqual(sent.map((m) => m.id));
    });

    it('when a response is lost, then polling again with the old cursor returns the same events', async () => {
      const { a, b, bn } = await pair();
      const start = await poll(b);
      await send(a, bn, 'maybe lost');
      const first = await poll(b, start.cursor);
      const again = await poll(b, start.cursor);
      expect(again).toEqual(first);
      expect(first.events).toHaveLength(1);
    });

    it('when the recipient acknowledges, then the message is delivered in mensagens.txt and the sender gets a status event', async () => {
      const { a, b, an, bn } = await pair();
      const senderStart = await poll(a);
      const start = await poll(b);
      const m = await send(a, bn, 'ack me');
      const got = await poll(b, start.cursor);
      const queue = () => readFile(path.join(server.dataDir, 'mensagens.txt'), 'utf8');
      const line = (flag: 0 | 1) => new RegExp(`^${an};${bn};ack me;${m.sentAt.replace(/\./g, '\\.')};${flag};[1-9][0-9]*;`, 'm');
      if (store === 'text') expect(await queue()).toMatch(line(0));
      expect((await a.get(`/api/history?with=${bn}`).expect(200)).body.messages.at(-1).status).toBe('sent');
      await poll(b, got.cursor); // passing the cursor acknowledges
      if (store === 'text') expect(await queue()).toMatch(line(1));
      const senderView = await poll(a, senderStart.cursor);
      const ownCopy = messagesOf(senderView.events);
      expect(ownCopy.map((x) => x.id)).toEqual([m.id]);
      const statuses = statusesOf(senderView.events);
      expect(statuses).toEqual([{ type: 'status', id: m.id, status: 'delivered', at: expect.any(String) }]);
      const history = await a.get(`/api/history?with=${bn}`).expect(200);
      expect(history.body.messages.at(-1)).toMatchObject({ id: m.id, status: 'delivered' });
    });

    it('when the sender has two devices, then the other device gets its sent message with the clientId', async () => {
      const { a, an, bn } = await pair();
      const phone = a;
      const laptop = specAgent(server.url);
      await laptop.post('/api/session').send({ username: an, password: 'correct horse battery' }).expect(200);
      const laptopStart = await poll(laptop);
      const m = await send(phone, bn, 'from my phone', 'phone-1');
      const seen = await poll(laptop, laptopStart.cursor);
      expect(messagesOf(seen.events)).toEqual([expect.objectContaining({ id: m.id, clientId: 'phone-1' })]);
    });

    it('when the recipient has two devices, then each gets every message with its own cursor', async () => {
      const { a, b, bn } = await pair();
      const tablet = specAgent(server.url);
      await tablet.post('/api/session').send({ username: bn, password: 'correct horse battery' }).expect(200);
      const phoneStart = await poll(b);
      const tabletStart = await poll(tablet);
      const m1 = await send(a, bn, 'first');
      const phoneGot = await poll(b, phoneStart.cursor);
      await poll(b, phoneGot.cursor); // the phone acknowledges m1
      const m2 = await send(a, bn, 'second');
      const tabletGot = await poll(tablet, tabletStart.cursor);
      expect(messagesOf(tabletGot.events).map((m) => m.id)).toEqual([m1.id, m2.id]);
    });

    it('when there are more than 100 events, then an answer carries 100 and the rest come next', async () => {
      const { a, b, bn } = await pair();
      const start = await poll(b);
      for (let i = 0; i < 120; i++) await send(a, bn, `bulk ${i}`);
      const first = await poll(b, start.cursor);
      expect(first.events).toHaveLength(100);
      const second = await poll(b, first.cursor);
      expect(messagesOf(second.events).map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `bulk ${100 + i}`));
    });

    it('when the cursor is malformed, then 400; when it is from another data set, another key or from before cursors were tokens, then 410', async () => {
      const { b } = await pair();
      const { cursor } = await poll(b);
      const [prefix = '', token = ''] = cursor.split(/-(.*)/);
      const [epoch] = prefix.split('.');
      const status = async (after: string) => (await b.get(`/api/messages?wait=0&after=${encodeURIComponent(after)}`)).body.error?.code;
      expect(await status('garbage')).toBe('invalid_cursor');
      // A number under this data set and key: never handed out (cursors are tokens now).
      expect(await status(`${prefix}-999999999`)).toBe('invalid_cursor');
      expect(await status('ffffffffffff-1')).toBe('cursor_expired');
      expect(await status(`ffffffffffff.00000000-${token}`)).toBe('cursor_expired');
      expect(await status(`${epoch}.00000000-${token}`)).toBe('cursor_expired');
      expect(await status(`${epoch}-999999999`)).toBe('cursor_expired');
    });

    it('when `wait` is out of range or an unknown parameter is given, then 400', async () => {
      const { b } = await pair();
      await b.get('/api/messages?wait=51').expect(400);
      await b.get('/api/messages?wait=-1').expect(400);
      await b.get('/api/messages?wait=0&user=alice').expect(400);
    });

    it('when a user holds more polls than allowed, then the oldest is answered empty at once', async () => {
      const { b } = await pair();
      const { cursor } = await poll(b);
      const t0 = Date.now();
      const before = await heldPolls(server.url);
      const polls = [poll(b, cursor, 20), poll(b, cursor, 20), poll(b, cursor, 20)];
      // All three must be held before the fourth arrives; a fixed sleep raced the server on a loaded machine.
      await expect.poll(() => heldPolls(server.url)).toBe((before ?? 0) + 3);
      const extra = poll(b, cursor, 1);
      // The three connections reach the server in any order, so whichever it took first is the one answered.
      const oldest = await Promise.race(polls);
      expect(oldest).toEqual({ events: [], cursor });
      expect(Date.now() - t0).toBeLessThan(5000);
      await extra;
    });
  });

  describe('POST /api/messages/read', () => {
    it('when the recipient reads, then 204, the sender gets read events, and the statuses and unread counts follow', async () => {
      const { a, b, an, bn } = await pair();
      const senderStart = await poll(a);
      const m1 = await send(a, bn, 'read me 1');
      const m2 = await send(a, bn, 'read me 2');
      const convBefore = await b.get('/api/conversations').expect(200);
      expect(convBefore.body.conversations).toEqual([{ with: an, last: expect.objectContaining({ id: m2.id }), unread: 2 }]);
      await b.post('/api/messages/read').send({ with: an, upTo: m2.id }).expect(204);
      const events = await poll(a, senderStart.cursor);
      expect(statusesOf(events.events).map((s) => [s.id, s.status])).toEqual([
        [m1.id, 'read'],
        [m2.id, 'read'],
      ]);
      const convAfter = await b.get('/api/conversations').expect(200);
      expect(convAfter.body.conversations[0].unread).toBe(0);
      const senderHistory = await a.get(`/api/history?with=${bn}`).expect(200);
      expect(senderHistory.body.messages.map((m: { status: string }) => m.status)).toEqual(['read', 'read']);
      // Reading again changes nothing and sends no more events.
      await b.post('/api/messages/read').send({ with: an, upTo: m1.id }).expect(204);
      expect((await poll(a, events.cursor)).events).toEqual([]);
    });

    it('when the message is not in that conversation, then 404 message_not_found; an unknown peer is 404 user_not_found', async () => {
      const { a, b, an, bn } = await pair();
      const m = await send(a, bn, 'x');
      const other = await pair();
      expect((await other.b.post('/api/messages/read').send({ with: an, upTo: m.id }).expect(404)).body.error.code).toBe(
        'message_not_found',
      );
      expect((await b.post('/api/messages/read').send({ with: an, upTo: 'nope' }).expect(404)).body.error.code).toBe('message_not_found');
      expect((await b.post('/api/messages/read').send({ with: 'ghost', upTo: m.id }).expect(404)).body.error.code).toBe('user_not_found');
      expect((await b.post('/api/messages/read').send({ with: an }).expect(400)).body.error.code).toBe('invalid_request');
    });
  });
});
