/**
 * Cross-site requests on every `/api` route, GET included (issue #15, item 4). A page on another site could
 * navigate a logged-in browser to `/api/messages?after=<cursor>`: the top-level navigation carries the Lax
 * cookie, and the poll acknowledged the victim's messages though no screen showed them. Fetch Metadata
 * (`Sec-Fetch-Site`) says where a browser request comes from; requests without it (curl) are not a browser
 * carrying someone else's cookie.
 */
import { describe, expect, it } from 'vitest';
import type { Message, PollResponse } from '../../api/contract.js';
import { specAgent, type SpecAgent } from '../support/contract.js';
import { STORES, testServers, type StoreKind, type TestServer } from '../support/server.js';
import { poll, send, signUp } from '../support/users.js';

const servers = testServers();
const start = (store: StoreKind): Promise<TestServer> => servers.start({ store });

/** What a browser sends when another page makes it navigate to a URL (a link, `location = ...`, a form GET). */
const navigationFrom = (site: 'cross-site' | 'same-site') => ({
  'Sec-Fetch-Site': site,
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-Dest': 'document',
  'Sec-Fetch-User': '?1',
});

describe.each(STORES)('cross-site requests (%s store)', (store) => {
  it.each(['cross-site', 'same-site'] as const)(
    'when a %s navigation carries the cookie to GET /api/messages?after=<cursor>, then it is a 403 and acknowledges nothing',
    async (site) => {
      const s = await start(store);
      const alice = await signUp(s.url, 'alice');
      const bruno = await signUp(s.url, 'bruno');
      const sent = await send(alice, 'bruno', 'not seen yet');
      // The cursor after the message: what a page that learned it would put in the link.
      const { cursor } = await poll(bruno);

      const res = await bruno
        .get(`/api/messages?wait=0&after=${encodeURIComponent(cursor)}`)
        .set(navigationFrom(site))
        .expect(403);
      expect(res.body.error.code).toBe('forbidden_origin');

      const history = await alice.get('/api/history?with=bruno').expect(200);
      expect((history.body.messages as Message[]).map((m) => [m.id, m.status])).toEqual([[sent.id, 'sent']]);
      // Bruno's app still gets the message: nothing moved his stream past it.
      const again = await poll(bruno);
      expect(again.events.flatMap((e) => (e.type === 'message' ? [e.message.id] : []))).toEqual([sent.id]);
    },
  );

  it('when another site makes the browser fetch any /api route, GET included, then it is a 403 forbidden_origin', async () => {
    const s = await start(store);
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    await send(alice, 'bruno', 'oi');
    const requests: [string, () => ReturnType<SpecAgent['get']>][] = [
      ['GET /api/session', () => alice.get('/api/session')],
      ['GET /api/messages', () => alice.get('/api/messages?wait=0')],
      ['GET /api/history', () => alice.get('/api/history')],
      ['GET /api/conversations', () => alice.get('/api/conversations')],
      ['GET /api/nothing-here', () => alice.get('/api/nothing-here')],
      ['POST /api/messages', () => alice.post('/api/messages').send({ to: 'bruno', content: 'forged' })],
      ['POST /api/messages/read', () => alice.post('/api/messages/read').send({ with: 'bruno', upTo: '1' })],
      ['DELETE /api/session', () => alice.delete('/api/session')],
      ['POST /api/session', () => specAgent(s.url).post('/api/session').send({ username: 'carla', password: 'correct horse battery' })],
    ];
    for (const site of ['cross-site', 'same-site']) {
      for (const [name, request] of requests) {
        const res = await request().set('Sec-Fetch-Site', site);
        expect(res.status, `${name} from ${site}`).toBe(403);
        expect(res.body.error.code).toBe('forbidden_origin');
      }
    }
    // A browser without Fetch Metadata still names the page's origin on a cross-origin fetch.
    for (const [, request] of requests.slice(0, 4)) await request().set('Origin', 'https://evil.example').expect(403);
    // Nothing was sent, logged out or created.
    await alice.get('/api/session').expect(200);
    const history = await bruno.get('/api/history?with=alice').expect(200);
    expect((history.body.messages as Message[]).map((m) => [m.content, m.status])).toEqual([['oi', 'sent']]);
    const carla = await specAgent(s.url).post('/api/session').send({ username: 'carla', password: 'correct horse battery' }).expect(201);
    expect(carla.body.created).toBe(true);
  });

  it('when the request comes from Papo itself, a typed URL or curl, then every route answers as before', async () => {
    const s = await start(store);
    const alice = await signUp(s.url, 'alice');
    const bruno = await signUp(s.url, 'bruno');
    await send(alice, 'bruno', 'oi');
    for (const headers of [{}, { 'Sec-Fetch-Site': 'same-origin', Origin: s.url }, { 'Sec-Fetch-Site': 'none' }]) {
      await bruno.get('/api/session').set(headers).expect(200);
      // Without a cursor the poll starts at what was never acknowledged: the message, each time.
      const polled = await bruno.get('/api/messages?wait=0').set(headers).expect(200);
      expect((polled.body as PollResponse).events).toHaveLength(1);
      await bruno.get('/api/history').set(headers).expect(200);
      await bruno.get('/api/conversations').set(headers).expect(200);
    }
    await alice.post('/api/messages').set('Sec-Fetch-Site', 'same-origin').send({ to: 'bruno', content: 'fine' }).expect(201);
  });

  it('when another site links to the API documentation, then it opens: /api/docs and /api/openapi.yaml stay open to navigation', async () => {
    const s = await start(store);
    const docs = await specAgent(s.url).get('/api/docs/').set(navigationFrom('cross-site')).expect(200);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    await specAgent(s.url).get('/api/docs').set(navigationFrom('cross-site')).expect(301);
    const yaml = await specAgent(s.url).get('/api/openapi.yaml').set(navigationFrom('cross-site')).expect(200);
    expect(yaml.text).toMatch(/^openapi: 3/);
  });
});
