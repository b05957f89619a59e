import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpecAgent } from '../support/contract.js';
import { STORES, startTestServer, type TestServer } from '../support/server.js';
import { messagesOf, poll, send, signUp } from '../support/users.js';

describe.each(STORES)('on the %s store', (store) => {
  let server: TestServer;
  let ana: SpecAgent;
  let beto: SpecAgent;
  beforeAll(async () => {
    server = await startTestServer({ store });
    ana = await signUp(server.url, 'ana');
    beto = await signUp(server.url, 'beto');
  });
  afterAll(async () => {
    await server.destroy();
  });

  const read = (file: string) => readFile(path.join(server.dataDir, file), 'utf8');

  describe('POST /api/messages', () => {
    it('when sent, then 201 with the message, already in the journal and the queue on disk, and in both histories by the next checkpoint', async () => {
      const res = await ana.post('/api/messages').send({ to: 'beto', content: 'ola, tudo bem?' }).expect(201);
      const m = res.body.message;
      expect(m).toMatchObject({ from: 'ana', to: 'beto', content: 'ola, tudo bem?', status: 'sent' });
      expect(typeof m.id).toBe('string');
      expect(new Date(m.sentAt).toISOString()).toBe(m.sentAt);
      if (store !== 'text') return;
      // The files keep plain sequence numbers (readable with cat); the id clients see is a token of it.
      const queued = new RegExp(`^ana;beto;ola, tudo bem\\?;${m.sentAt.replace(/\./g, '\\.')};0;([1-9][0-9]*);;`, 'm').exec(
        await read('mensagens.txt'),
      );
      expect(queued).not.toBeNull();
      const line = `msg;${queued?.[1]};${m.sentAt};ana;beto;ola, tudo bem?;;`;
      // The journal (two files used in turn) is the commit point; the histories are written at the checkpoint
      // (a quiet moment or a second).
      expect((await read('journal.txt')) + (await read('journal-2.txt'))).toContain(`a;h:beto;${line}`);
      for (const user of ['ana', 'beto']) {
        await expect.poll(() => read(`historico/history_${user}.txt`).catch(() => '')).toContain(line);
      }
    });

    it('when the content has ;, newlines, CR, backslashes, NUL, emoji and RTL text, then it round-trips exactly, escaped on disk', async () => {
      const content = 'a;b\\c\nd\r\ne\u0000f 😀👍🏽 \u2028 שלום; \\n literal';
      const m = await send(ana, 'beto', content);
      expect(m.content).toBe(content);
      const history = await beto.get('/api/history?with=ana&limit=1').expect(200);
      expect(history.body.messages[0].content).toBe(content);
      const events = await poll(beto);
      expect(messagesOf(events.events).map((x) => x.content)).toContain(content);
      if (store !== 'text') return;
      const queue = await read('mensagens.txt');
      const escaped = 'a\\;b\\\\c\\nd\\r\\ne\\0f 😀👍🏽 \u2028 שלום\\; \\\\n literal';
      expect(queue).toContain(`ana;beto;${escaped};`);
      // One record per line: the content added no line breaks to the files.
      expect(
        queue
          .split('\n')
          .filter(Boolean)
          .every((l) => l.startsWith('ana;beto;')),
      ).toBe(true);
    });

    it('when the content is 4000 characters of astral emoji, then it is accepted; 4001 is a 400', async () => {
      await send(ana, 'beto', '😀'.repeat(4000));
      const res = await ana
        .post('/api/messages')
        .send({ to: 'beto', content: 'x'.repeat(4001) })
        .expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      const empty = await ana.post('/api/messages').send({ to: 'beto', content: '' }).expect(400);
      expect(empty.body.error.code).toBe('invalid_request');
    });

    it('when the recipient does not exist, then 404 user_not_found and nothing is written', async () => {
      const before = store === 'text' ? await read('mensagens.txt') : '';
      const conversationsBefore = (await ana.get('/api/conversations').expect(200)).body;
      const res = await ana.post('/api/messages').send({ to: 'nobody', content: 'hello?' }).expect(404);
      expect(res.body.error.code).toBe('user_not_found');
      expect((await ana.get('/api/conversations').expect(200)).body).toEqual(conversationsBefore);
      if (store === 'text') expect(await read('mensagens.txt')).toBe(before);
    });

    it('when the recipient is written in another case, then it reaches the same account', async () => {
      const m = await send(ana, 'BETO', 'case folded');
      expect(m.to).toBe('beto');
    });

    it('when sending to oneself, a bad recipient name, or unknown fields, then 400', async () => {
      expect((await ana.post('/api/messages').send({ to: 'ana', content: 'me' }).expect(400)).body.error.code).toBe('invalid_request');
      expect((await ana.post('/api/messages').send({ to: '../etc', content: 'x' }).expect(400)).body.error.code).toBe('invalid_username');
      expect((await ana.post('/api/messages').send({ to: 'beto', content: 'x', from: 'beto' }).expect(400)).body.error.code).toBe(
        'unknown_field',
      );
      expect((await ana.post('/api/messages').send({ to: 'beto', content: 5 }).expect(400)).body.error.code).toBe('invalid_request');
      expect((await ana.post('/api/messages').send({ to: 'beto', content: 'x', clientId: 'has space' }).expect(400)).body.error.code).toBe(
        'invalid_request',
      );
    });

    it('when retried with the same clientId, then 200 with the original message and no duplicate', async () => {
      const clientId = '6f1c2a9e-1d1b-4a57-9b0e-1f7f0c2d3e4a';
      const first = await ana.post('/api/messages').send({ to: 'beto', content: 'only once', clientId }).expect(201);
      const again = await ana.post('/api/messages').send({ to: 'beto', content: 'only once', clientId }).expect(200);
      expect(again.body.message).toEqual({ ...first.body.message, status: again.body.message.status });
      expect(first.body.message.clientId).toBe(clientId);
      const page = await beto.get('/api/history?with=ana&limit=200').expect(200);
      expect(page.body.messages.filter((m: { clientId?: string }) => m.clientId === clientId)).toHaveLength(1);
      if (store !== 'text') return;
      const copies = (await read('mensagens.txt')).split('\n').filter((l) => l.includes(`;${clientId};`));
      expect(copies).toHaveLength(1);
    });

    it('when retries with one clientId race, then exactly one is created', async () => {
      const clientId = 'race-1';
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => ana.post('/api/messages').send({ to: 'beto', content: 'racing', clientId })),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(new Set(answers.map((r) => r.body.message.id)).size).toBe(1);
    });

    it('when the same clientId comes with a different body, then 409 client_id_conflict', async () => {
      await ana.post('/api/messages').send({ to: 'beto', content: 'first', clientId: 'c-409' }).expect(201);
      const res = await ana.post('/api/messages').send({ to: 'beto', content: 'second', clientId: 'c-409' }).expect(409);
      expect(res.body.error.code).toBe('client_id_conflict');
    });

    it('when another user uses the same clientId, then it is their own message', async () => {
      await ana.post('/api/messages').send({ to: 'beto', content: 'mine', clientId: 'shared-id' }).expect(201);
      await beto.post('/api/messages').send({ to: 'ana', content: 'mine too', clientId: 'shared-id' }).expect(201);
    });

    it('when the body is not JSON, then 415', async () => {
      const res = await ana.post('/api/messages').set('content-type', 'text/plain').send('to=beto').expect(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    });
  });
});
