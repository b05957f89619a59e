/**
 * Invalid UTF-8 (issue #15, item 9): bytes that are not UTF-8 used to become U+FFFD on the way in, and the
 * message was stored changed with a 201. A body is refused with 400 `invalid_request`, and so is a URL whose
 * %-escapes do not decode to UTF-8, on every route: the fast path (send and poll) and the Express app alike.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../api/contract.js';
import { specAgent } from '../support/contract.js';
import { STORES, testServers } from '../support/server.js';
import { PASSWORD, poll, send, signUp } from '../support/users.js';

const servers = testServers();

/** A JSON body with `bad` bytes spliced in where `@` stands. */
const jsonWith = (template: string, bad: number[]) => {
  const [before = '', after = ''] = template.split('@');
  return Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]);
};

/** superagent would write a Buffer as JSON (`{"type":"Buffer",...}`): this sends its bytes as they are. */
const asIs = (body: unknown): string => body as string;

/** Byte sequences that are not UTF-8: a stray byte, a truncated sequence, an overlong '/', a UTF-16 surrogate, past U+10FFFF. */
const NOT_UTF8: [string, number[]][] = [
  ['0xFF', [0xff]],
  ['a truncated sequence', [0xc3]],
  ['an overlong encoding', [0xc0, 0xaf]],
  ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
];

describe.each(STORES)('invalid UTF-8 (%s store)', (store) => {
  it.each(NOT_UTF8)(
    'when a send (the fast path) carries %s in its JSON, then it is a 400 invalid_request and nothing is stored',
    async (_name, bad) => {
      const s = await servers.start({ store });
      const alice = await signUp(s.url, 'alice');
      const bruno = await signUp(s.url, 'bruno');
      const res = await alice
        .post('/api/messages')
        .set('Content-Type', 'application/json')
        .serialize(asIs)
        .send(jsonWith('{"to":"bruno","content":"a@b","clientId":"c-1"}', bad))
        .expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/UTF-8/);
      expect((await poll(bruno)).events).toEqual([]);
      expect((await bruno.get('/api/history').expect(200)).body.messages).toEqual([]);
      // The clientId was not taken: the same send in valid UTF-8 is a new message.
      const sent = await alice.post('/api/messages').send({ to: 'bruno', content: 'a\u00e9b', clientId: 'c-1' }).expect(201);
      expect((sent.body.message as Message).content).toBe('a\u00e9b');
    },
  );

  it('when an Express route gets invalid UTF-8 in its JSON, then it is a 400 invalid_request and nothing is written', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    const sent = await send(await signUp(s.url, 'bruno'), 'alice', 'oi');
    const signup = await specAgent(s.url)
      .post('/api/session')
      .set('Content-Type', 'application/json')
      .serialize(asIs)
      .send(jsonWith(`{"username":"carla","password":"${PASSWORD}@"}`, [0xff]))
      .expect(400);
    expect(signup.body.error.code).toBe('invalid_request');
    expect(signup.body.error.message).toMatch(/UTF-8/);
    const read = await alice
      .post('/api/messages/read')
      .set('Content-Type', 'application/json')
      .serialize(asIs)
      .send(jsonWith(`{"with":"bruno@","upTo":"${sent.id}"}`, [0xed, 0xa0, 0x80]))
      .expect(400);
    expect(read.body.error.code).toBe('invalid_request');
    // No account was created with a password that held U+FFFD: carla is still free.
    const carla = await specAgent(s.url).post('/api/session').send({ username: 'carla', password: PASSWORD }).expect(201);
    expect(carla.body.created).toBe(true);
    const history = await alice.get('/api/history?with=bruno').expect(200);
    // Not marked read.
    expect((history.body.messages as Message[]).map((m) => m.status)).toEqual(['sent']);
  });

  it('when a JSON body declares a charset other than UTF-8, then it is a 415: only UTF-8 is read', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    await signUp(s.url, 'bruno');
    const utf16 = Buffer.from('{"to":"bruno","content":"oi"}', 'utf16le');
    for (const charset of ['utf-16le', 'utf-16']) {
      const res = await alice
        .post('/api/messages')
        .set('Content-Type', `application/json; charset=${charset}`)
        .serialize(asIs)
        .send(utf16)
        .expect(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    }
    await alice
      .post('/api/messages')
      .set('Content-Type', 'application/json; charset=UTF-8')
      .send('{"to":"bruno","content":"oi"}')
      .expect(201);
  });

  it('when a URL has %-escapes that are not UTF-8, then it is a 400 invalid_request on every route, pages included', async () => {
    const s = await servers.start({ store });
    const alice = await signUp(s.url, 'alice');
    for (const url of [
      '/api/history?with=%ff',
      '/api/history?with=bruno&before=%C3',
      '/api/messages?wait=0&after=%ed%a0%80',
      '/api/conversations?x=%c0%af',
      '/api/%ff',
      '/healthz?probe=%ff',
      '/%ff',
    ]) {
      const res = await alice.get(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe('invalid_request');
      expect(res.body.error.message, url).toMatch(/UTF-8/);
    }
    // Valid escapes, and a '%' that is no escape at all, are as before.
    await signUp(s.url, 'bruno');
    await alice.get('/api/history?with=%62runo').expect(200);
    await alice.get('/api/messages?wait=0').set('X-Note', 'caf%C3%A9').expect(200);
    const literal = await alice.get('/api/history?with=50%zz');
    expect(literal.body.error.code).toBe('invalid_username');
  });
});
