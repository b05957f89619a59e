import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attachment, DeleteEvent, EditEvent, Message, StreamEvent } from '../../api/contract.js';
import type { SpecAgent } from '../support/contract.js';
import { STORES, startTestServer, type TestServer } from '../support/server.js';
import { poll, send, signUp } from '../support/users.js';

const run = promisify(execFile);

const editsOf = (events: StreamEvent[]) => events.filter((e): e is EditEvent => e.type === 'edit');
const deletesOf = (events: StreamEvent[]) => events.filter((e): e is DeleteEvent => e.type === 'delete');

/** Everything after `cursor` in a device's stream (polls until an answer comes back empty). */
async function drain(device: SpecAgent, cursor?: string): Promise<{ events: StreamEvent[]; cursor: string }> {
  const events: StreamEvent[] = [];
  let at = cursor;
  for (;;) {
    const page = await poll(device, at);
    events.push(...page.events);
    if (page.events.length === 0) return { events, cursor: page.cursor };
    at = page.cursor;
  }
}

describe.each(STORES)('issue #18 on the %s store', (store) => {
  let server: TestServer;
  let ana: SpecAgent;
  let anaPhone: SpecAgent;
  let beto: SpecAgent;
  let caio: SpecAgent;
  beforeAll(async () => {
    server = await startTestServer({ store });
    [ana, beto, caio] = await Promise.all([signUp(server.url, 'ana'), signUp(server.url, 'beto'), signUp(server.url, 'caio')]);
    anaPhone = await signUp(server.url, 'ana');
  });
  afterAll(async () => {
    if (process.env.DEBUG_LOG)
      console.log(
        server.log
          .text()
          .split('\n')
          .filter((l) => /"level":(40|50)/.test(l))
          .join('\n'),
      );
    await server.destroy();
  });

  describe('PATCH /api/messages/{id}', () => {
    it('when the sender edits, then both sides and her other device get an edit event, and history shows the text with editedAt', async () => {
      const before = await Promise.all([drain(ana), drain(anaPhone), drain(beto)]);
      const m = await send(ana, 'beto', 'vejo você às 8');
      const res = await ana.patch(`/api/messages/${m.id}`).send({ content: 'vejo você às 9' }).expect(200);
      expect(res.body.message).toMatchObject({ id: m.id, content: 'vejo você às 9' });
      expect(typeof res.body.message.editedAt).toBe('string');
      for (const [i, device] of [ana, anaPhone, beto].entries()) {
        const { events } = await drain(device, before[i]?.cursor);
        expect(editsOf(events)).toEqual([{ type: 'edit', id: m.id, content: 'vejo você às 9', editedAt: res.body.message.editedAt }]);
      }
      const history = await beto.get('/api/history?with=ana&limit=1').expect(200);
      expect(history.body.messages[0]).toMatchObject({ id: m.id, content: 'vejo você às 9', editedAt: res.body.message.editedAt });
    });

    it('when the recipient tries to edit, then 403 not_your_message and the text is unchanged', async () => {
      const m = await send(ana, 'beto', 'minha mensagem');
      const res = await beto.patch(`/api/messages/${m.id}`).send({ content: 'hackeado' }).expect(403);
      expect(res.body.error.code).toBe('not_your_message');
      const history = await ana.get('/api/history?with=beto&limit=1').expect(200);
      expect(history.body.messages[0].content).toBe('minha mensagem');
    });

    it('when someone outside the conversation names the message, then 404, as for a message that does not exist', async () => {
      const m = await send(ana, 'beto', 'só nossa');
      expect((await caio.patch(`/api/messages/${m.id}`).send({ content: 'x' }).expect(404)).body.error.code).toBe('message_not_found');
      expect((await caio.delete(`/api/messages/${m.id}?for=everyone`).expect(404)).body.error.code).toBe('message_not_found');
      expect((await caio.delete(`/api/messages/${m.id}?for=me`).expect(404)).body.error.code).toBe('message_not_found');
      expect((await ana.patch('/api/messages/not-an-id').send({ content: 'x' }).expect(404)).body.error.code).toBe('message_not_found');
    });

    it('when the body is empty or has another field, then 400', async () => {
      const m = await send(ana, 'beto', 'a');
      expect((await ana.patch(`/api/messages/${m.id}`).send({ content: '' }).expect(400)).body.error.code).toBe('invalid_request');
      expect((await ana.patch(`/api/messages/${m.id}`).send({ content: 'b', to: 'caio' }).expect(400)).body.error.code).toBe(
        'unknown_field',
      );
    });
  });

  describe('DELETE /api/messages/{id}', () => {
    it('when the sender deletes for everyone, then both sides get a delete event and history shows it deleted with no text', async () => {
      const before = await Promise.all([drain(ana), drain(anaPhone), drain(beto)]);
      const m = await send(ana, 'beto', 'mandei pra pessoa errada');
      await ana.patch(`/api/messages/${m.id}`).send({ content: 'ainda errada' }).expect(200);
      await ana.delete(`/api/messages/${m.id}?for=everyone`).expect(204);
      for (const [i, device] of [ana, anaPhone, beto].entries()) {
        const { events } = await drain(device, before[i]?.cursor);
        expect(deletesOf(events)).toEqual([expect.objectContaining({ type: 'delete', id: m.id, for: 'everyone' })]);
        // The message and edit events that come before carry no text any more.
        const seen = events.flatMap((e) => (e.type === 'message' && e.message.id === m.id ? [e.message] : []));
        for (const message of seen) expect(message).toMatchObject({ content: '', deleted: true });
        expect(editsOf(events)).toEqual([]);
      }
      for (const device of [ana, beto]) {
        const history = await device.get('/api/history?limit=1').expect(200);
        expect(history.body.messages[0]).toMatchObject({ id: m.id, content: '', deleted: true });
      }
    });

    it('when a message with a file is deleted for everyone, then the file is gone too (404 for both)', async () => {
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
      const up = await ana.post('/api/attachments?name=p.png').set('content-type', 'application/octet-stream').send(png).expect(201);
      const file = up.body.attachment.id as string;
      const m = (
        await ana
          .post('/api/messages')
          .send({ to: 'beto', content: 'foto', attachments: [file] })
          .expect(201)
      ).body.message as Message;
      await beto.get(`/api/attachments/${file}`).expect(200);
      await ana.delete(`/api/messages/${m.id}?for=everyone`).expect(204);
      await beto.get(`/api/attachments/${file}`).expect(404);
      await ana.get(`/api/attachments/${file}`).expect(404);
    });

    it('when deleting twice, then 409 message_deleted; editing a deleted message too', async () => {
      const m = await send(ana, 'beto', 'duas vezes');
      await ana.delete(`/api/messages/${m.id}?for=everyone`).expect(204);
      expect((await ana.delete(`/api/messages/${m.id}?for=everyone`).expect(409)).body.error.code).toBe('message_deleted');
      expect((await ana.patch(`/api/messages/${m.id}`).send({ content: 'x' }).expect(409)).body.error.code).toBe('message_deleted');
    });

    it('when two deletes race, then exactly one is 204', async () => {
      const m = await send(ana, 'beto', 'corrida');
      const answers = await Promise.all([ana, anaPhone, ana].map((d) => d.delete(`/api/messages/${m.id}?for=everyone`)));
      expect(answers.map((r) => r.status).sort()).toEqual([204, 409, 409]);
    });

    it('when the recipient deletes for everyone, then 403; for me, the message leaves only their history', async () => {
      const m = await send(ana, 'beto', 'guarde isto');
      expect((await beto.delete(`/api/messages/${m.id}?for=everyone`).expect(403)).body.error.code).toBe('not_your_message');
      const { cursor } = await drain(beto);
      await beto.delete(`/api/messages/${m.id}?for=me`).expect(204);
      const ids = async (d: SpecAgent) => ((await d.get('/api/history?limit=50').expect(200)).body.messages as Message[]).map((x) => x.id);
      expect(await ids(beto)).not.toContain(m.id);
      expect(await ids(ana)).toContain(m.id);
      expect(deletesOf((await drain(beto, cursor)).events)).toEqual([expect.objectContaining({ id: m.id, for: 'me' })]);
      expect((await beto.delete(`/api/messages/${m.id}?for=me`).expect(409)).body.error.code).toBe('message_deleted');
      expect((await beto.patch(`/api/messages/${m.id}`).send({ content: 'x' }).expect(404)).body.error.code).toBe('message_not_found');
    });

    it('when `for` is missing or wrong, then 400', async () => {
      const m = await send(ana, 'beto', 'x');
      await ana.delete(`/api/messages/${m.id}`).expect(400);
      await ana.delete(`/api/messages/${m.id}?for=all`).expect(400);
    });
  });

  describe('replies', () => {
    it('when a message answers another, then it carries the quote, and the quote follows edits and deletes', async () => {
      const q = await send(ana, 'beto', 'vamos ao cinema?');
      const res = await beto.post('/api/messages').send({ to: 'ana', content: 'sim!', replyTo: q.id }).expect(201);
      expect(res.body.message.replyTo).toEqual({ id: q.id, from: 'ana', content: 'vamos ao cinema?' });
      await ana.patch(`/api/messages/${q.id}`).send({ content: 'vamos ao teatro?' }).expect(200);
      let last = (await ana.get('/api/history?with=beto&limit=1').expect(200)).body.messages[0] as Message;
      expect(last.replyTo).toEqual({ id: q.id, from: 'ana', content: 'vamos ao teatro?' });
      await ana.delete(`/api/messages/${q.id}?for=everyone`).expect(204);
      last = (await beto.get('/api/history?with=ana&limit=1').expect(200)).body.messages[0] as Message;
      expect(last.replyTo).toEqual({ id: q.id, from: 'ana', content: '', deleted: true });
    });

    it('when the quoted message is in another conversation, then 400 invalid_reply', async () => {
      const other = await send(caio, 'ana', 'de outra conversa');
      const res = await ana.post('/api/messages').send({ to: 'beto', content: 'x', replyTo: other.id }).expect(400);
      expect(res.body.error.code).toBe('invalid_reply');
      const made = await ana.post('/api/messages').send({ to: 'beto', content: 'x', replyTo: 'made-up' }).expect(400);
      expect(made.body.error.code).toBe('invalid_reply');
    });
  });

  describe('GET /api/search', () => {
    it('when searching without accents or case, then the word prefixes match, newest first, paged', async () => {
      const a = await send(ana, 'caio', 'Olá! A AÇÃO começa amanhã');
      const b = await send(caio, 'ana', 'ola, tudo certo com a acao?');
      await send(caio, 'ana', 'nada a ver');
      const first = await ana.get('/api/search?q=ola%20acao&limit=1').expect(200);
      expect(first.body.messages.map((m: Message) => m.id)).toEqual([b.id]);
      const second = await ana.get(`/api/search?q=ola%20acao&limit=1&before=${first.body.before}`).expect(200);
      expect(second.body.messages.map((m: Message) => m.id)).toEqual([a.id]);
      expect((await ana.get(`/api/search?q=COMEC`).expect(200)).body.messages.map((m: Message) => m.id)).toEqual([a.id]);
      // `with` limits it to one conversation; a word inside another word is not a prefix.
      expect((await ana.get('/api/search?q=ola&with=beto').expect(200)).body.messages).toEqual([]);
      expect((await ana.get('/api/search?q=cao').expect(200)).body.messages).toEqual([]);
    });

    it("when someone else searches, then they never find another person's messages", async () => {
      await send(ana, 'caio', 'segredo guardado');
      expect((await beto.get('/api/search?q=segredo').expect(200)).body.messages).toEqual([]);
      expect((await caio.get('/api/search?q=segredo').expect(200)).body.messages).toHaveLength(1);
    });

    it('when a message is edited or deleted, then search finds the new text only, and never a deleted one', async () => {
      const m = await send(ana, 'caio', 'abacaxi maduro');
      await ana.patch(`/api/messages/${m.id}`).send({ content: 'banana madura' }).expect(200);
      expect((await ana.get('/api/search?q=abacaxi').expect(200)).body.messages).toEqual([]);
      expect((await caio.get('/api/search?q=banana').expect(200)).body.messages.map((x: Message) => x.id)).toEqual([m.id]);
      await ana.delete(`/api/messages/${m.id}?for=everyone`).expect(204);
      expect((await caio.get('/api/search?q=banana').expect(200)).body.messages).toEqual([]);
      const hidden = await send(caio, 'ana', 'kiwi verde');
      await ana.delete(`/api/messages/${hidden.id}?for=me`).expect(204);
      expect((await ana.get('/api/search?q=kiwi').expect(200)).body.messages).toEqual([]);
      expect((await caio.get('/api/search?q=kiwi').expect(200)).body.messages).toHaveLength(1);
    });

    it('when the query is 1 character, 10 KB, or has no word, then 400', async () => {
      expect((await ana.get('/api/search?q=a').expect(400)).body.error.code).toBe('invalid_request');
      expect((await ana.get(`/api/search?q=${'a'.repeat(10_000)}`).expect(400)).body.error.code).toBe('invalid_request');
      expect((await ana.get('/api/search?q=%21%21%3F').expect(400)).body.error.code).toBe('invalid_request');
      expect((await ana.get('/api/search').expect(400)).body.error.code).toBe('invalid_request');
      expect((await ana.get('/api/search?q=ola&before=nope').expect(400)).body.error.code).toBe('invalid_cursor');
    });
  });

  it.runIf(store === 'text')(
    'when a message with a file is deleted for everyone, then grep finds neither its text nor the file name in the data folder within 30 s',
    async () => {
      const secret = 'senha-do-cofre-8231';
      const fileName = 'segredo-unico-123.txt';
      const uploaded = await ana
        .post(`/api/attachments?name=${encodeURIComponent(fileName)}`)
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('conteúdo do anexo'))
        .expect(201);
      const attachment = uploaded.body.attachment as Attachment;
      const sent = await ana
        .post('/api/messages')
        .send({ to: 'beto', content: `a ${secret} é esta`, attachments: [attachment.id] })
        .expect(201);
      const m = sent.body.message as Message;
      expect(m.attachments?.[0]?.name).toBe(fileName);
      await ana
        .patch(`/api/messages/${m.id}`)
        .send({ content: `corrigindo: ${secret}!` })
        .expect(200);
      await drain(beto);
      await ana.delete(`/api/messages/${m.id}?for=everyone`).expect(204);
      // Both the text and the file's name: `grep -rl -e <text> -e <name> data/`.
      const grep = async () =>
        (
          await run('grep', ['-rl', '-e', secret, '-e', fileName, server.dataDir]).catch((err: { code?: number; stdout?: string }) => ({
            stdout: err.code === 1 ? '' : String(err.stdout),
          }))
        ).stdout;
      const started = Date.now();
      let found = await grep();
      while (found !== '' && Date.now() - started < 30_000) {
        await new Promise((r) => setTimeout(r, 200));
        found = await grep();
      }
      expect(found).toBe('');
    },
    40_000,
  );
});
