import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../api/contract.js';
import type { SpecAgent } from '../support/contract.js';
import { STORES, startTestServer, type TestServer } from '../support/server.js';
import { send, signUp } from '../support/users.js';

describe.each(STORES)('on the %s store', (store) => {
  let server: TestServer;
  let hugo: SpecAgent;
  let iris: SpecAgent;
  let jose: SpecAgent;
  const sent: Message[] = [];
  beforeAll(async () => {
    server = await startTestServer({ store });
    [hugo, iris, jose] = await Promise.all([signUp(server.url, 'hugo'), signUp(server.url, 'iris'), signUp(server.url, 'jose')]);
    for (let i = 0; i < 7; i++) {
      sent.push(await send(hugo, 'iris', `h->i ${i}`));
      sent.push(await send(iris, 'hugo', `i->h ${i}`));
      sent.push(await send(jose, 'hugo', `j->h ${i}`));
    }
  });
  afterAll(async () => {
    await server.destroy();
  });

  const ids = (messages: Message[]) => messages.map((m) => m.id);

  describe('GET /api/history', () => {
    it('when asked without `with`, then every conversation, newest page first, oldest first within it', async () => {
      const res = await hugo.get('/api/history?limit=5').expect(200);
      expect(ids(res.body.messages)).toEqual(ids(sent.slice(-5)));
      expect(typeof res.body.before).toBe('string');
    });

    it('when following `before`, then the pages go back to the beginning with no gap or overlap, then null', async () => {
      const seen: Message[] = [];
      let before: string | null = null;
      let pages = 0;
      do {
        const res: { body: { messages: Message[]; before: string | null } } = await hugo
          .get(`/api/history?limit=4${before ? `&before=${before}` : ''}`)
          .expect(200);
        seen.unshift(...res.body.messages);
        before = res.body.before;
        pages++;
      } while (before !== null);
      expect(pages).toBe(Math.ceil(sent.length / 4));
      expect(ids(seen)).toEqual(ids(sent));
    });

    it('when asked `with` a peer, then only that conversation', async () => {
      const res = await hugo.get('/api/history?with=jose&limit=200').expect(200);
      expect(ids(res.body.messages)).toEqual(ids(sent.filter((m) => m.from === 'jose')));
      expect(res.body.before).toBeNull();
    });

    it('when the peer is written in another case, then it is the same conversation', async () => {
      const res = await hugo.get('/api/history?with=JOSE&limit=1').expect(200);
      expect(res.body.messages[0].from).toBe('jose');
    });

    it('when a user asks, then they only ever see their own messages', async () => {
      const res = await jose.get('/api/history?limit=200').expect(200);
      expect(res.body.messages.every((m: Message) => m.from === 'jose' || m.to === 'jose')).toBe(true);
      const withIris = await jose.get('/api/history?with=iris').expect(200);
      expect(withIris.body).toEqual({ messages: [], before: null });
    });

    it('when the peer does not exist, the limit is out of range, or the cursor is bad, then 404/400', async () => {
      expect((await hugo.get('/api/history?with=nobody').expect(404)).body.error.code).toBe('user_not_found');
      await hugo.get('/api/history?limit=0').expect(400);
      await hugo.get('/api/history?limit=201').expect(400);
      expect((await hugo.get('/api/history?before=xyz').expect(400)).body.error.code).toBe('invalid_cursor');
    });
  });

  describe('GET /api/conversations', () => {
    it('when asked, then one row per peer, newest first, with the last message and unread count', async () => {
      const res = await hugo.get('/api/conversations').expect(200);
      const last = (peer: string) => sent.filter((m) => m.from === peer || m.to === peer).at(-1);
      expect(res.body.conversations).toEqual([
        { with: 'jose', last: { ...last('jose'), status: 'sent' }, unread: 7 },
        { with: 'iris', last: { ...last('iris'), status: 'sent' }, unread: 7 },
      ]);
    });

    it('when a user has no conversations yet, then an empty list', async () => {
      const nobody = await signUp(server.url, 'lonely');
      await nobody.get('/api/conversations').expect(200, { conversations: [] });
    });
  });
});
