/**
 * The fast path against the Express app, request by request (api/http/fast-path/index.ts lists what this
 * holds): each request goes to the server as it runs (send and poll on the fast path) and to the same app
 * built without the fast path (send and poll as Express routes behind express-session, express-openapi-
 * validator and the rest), on the same store and sessions, and must get the same status, body and headers.
 * Set-Cookie is left to session.test.ts: the fast path rolls the cookie hourly, on purpose.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { cookieFrom } from '../../support/cookies.js';
import { STORES, type StoreKind } from '../../support/server.js';
import { PASSWORD } from '../../support/users.js';
import { twinServers, type TwinServers } from './twin-servers.js';

const twins = twinServers();
const start = (store: StoreKind, env: Record<string, string> = {}) => twins.start({ store, env });

const CERT = fileURLToPath(new URL('../../fixtures/tls/localhost-cert.pem', import.meta.url));
const KEY = fileURLToPath(new URL('../../fixtures/tls/localhost-key.pem', import.meta.url));

/** One request, as both servers get it. */
interface Probe {
  method: 'GET' | 'POST' | 'HEAD';
  path: string;
  headers?: Record<string, string>;
  /** A JSON value to send as JSON; or `raw`, sent as it is (with its Content-Type in `headers`). */
  json?: unknown;
  raw?: string | Buffer;
}

/** Headers that differ between any two answers: left out. */
const VARYING = new Set(['date', 'connection', 'keep-alive', 'set-cookie']);

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

async function ask(base: string, probe: Probe): Promise<Answer> {
  let req = supertest(base)[probe.method === 'HEAD' ? 'head' : probe.method === 'POST' ? 'post' : 'get'](probe.path);
  if (base.startsWith('https:')) req = req.ca(readFileSync(CERT));
  if (probe.headers) req = req.set(probe.headers);
  if (probe.json !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(probe.json));
  // superagent would write a Buffer as JSON: `serialize` sends its bytes as they are.
  if (probe.raw !== undefined) req = req.serialize((body: unknown) => body as string).send(probe.raw as string);
  const res = await req.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
  });
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !VARYING.has(name)));
  return { status: res.status, headers, body: res.body as string };
}

/** Sends each probe to both servers; the answers must be the same, and of the status named. */
async function expectSameAnswers(t: TwinServers, probes: [name: string, status: number, probe: Probe][]): Promise<void> {
  for (const [name, status, probe] of probes) {
    const fast = await ask(t.fast, probe);
    const reference = await ask(t.reference, probe);
    expect(fast, name).toEqual(reference);
    expect(fast.status, name).toBe(status);
  }
}

async function login(base: string, username: string, headers: Record<string, string> = {}): Promise<string> {
  let req = supertest(base).post('/api/session').set(headers);
  if (base.startsWith('https:')) req = req.ca(readFileSync(CERT));
  const res = await req.send({ username, password: PASSWORD });
  expect([200, 201]).toContain(res.status);
  return cookieFrom(res);
}

/** `headers` with the session cookie's last character changed: its signature no longer holds. */
const forgedHeaders = (headers: { Cookie: string }) => ({ Cookie: headers.Cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });

describe.each(STORES)('the fast path answers as the Express app (%s store)', (store) => {
  it('when a send or a poll is refused (401, 400, 403, 404, 413, 415), then both answer it alike', async () => {
    const t = await start(store);
    const alice = { Cookie: await login(t.fast, 'alice') };
    await login(t.fast, 'bruno');
    const forged = forgedHeaders(alice);
    const send = (json: unknown, headers: Record<string, string> = alice): Probe => ({
      method: 'POST',
      path: '/api/messages',
      headers,
      json,
    });
    const poll = (query: string, headers: Record<string, string> = alice): Probe => ({
      method: 'GET',
      path: `/api/messages${query}`,
      headers,
    });
    const utf16 = Buffer.from('{"to":"bruno","content":"oi"}', 'utf16le');
    const notUtf8 = Buffer.concat([Buffer.from('{"to":"bruno","content":"a'), Buffer.from([0xff]), Buffer.from('"}')]);
    await expectSameAnswers(t, [
      ['a poll without a cookie', 401, poll('?wait=0', {})],
      ['a poll with a forged cookie', 401, poll('?wait=0', forged)],
      ['a send without a cookie', 401, send({ to: 'bruno', content: 'oi' }, {})],
      ['a poll with wait=abc', 400, poll('?wait=abc')],
      ['a poll with wait=51', 400, poll('?wait=51')],
      ['a poll with an unknown parameter', 400, poll('?wait=0&user=bruno')],
      ['a poll with a repeated parameter', 400, poll('?after=a&after=b')],
      ['a poll with an empty parameter', 400, poll('?after=')],
      ['a poll with a cursor that is not one', 400, poll('?wait=0&after=nonsense')],
      ['a poll with an escape that is not UTF-8', 400, poll('?wait=0&after=%ff')],
      ['a send without content', 400, send({ to: 'bruno' })],
      ['a send with a number for content', 400, send({ to: 'bruno', content: 5 })],
      ['a send with a field the spec lacks', 400, send({ to: 'bruno', content: 'oi', priority: 'high' })],
      ['a send of 4,001 characters', 400, send({ to: 'bruno', content: 'x'.repeat(4001) })],
      ['a send with a query', 400, { ...send({ to: 'bruno', content: 'oi' }), path: '/api/messages?wait=1' }],
      [
        'a send that is not JSON',
        400,
        { method: 'POST', path: '/api/messages', headers: { ...alice, 'Content-Type': 'application/json' }, raw: '{"to":' },
      ],
      [
        'a send in bytes that are not UTF-8',
        400,
        { method: 'POST', path: '/api/messages', headers: { ...alice, 'Content-Type': 'application/json' }, raw: notUtf8 },
      ],
      ['a send to oneself', 400, send({ to: 'alice', content: 'oi' })],
      ['a send to nobody', 404, send({ to: 'nobody', content: 'oi' })],
      [
        'a send of text/plain',
        415,
        { method: 'POST', path: '/api/messages', headers: { ...alice, 'Content-Type': 'text/plain' }, raw: 'oi' },
      ],
      [
        'a send in UTF-16',
        415,
        { method: 'POST', path: '/api/messages', headers: { ...alice, 'Content-Type': 'application/json; charset=utf-16le' }, raw: utf16 },
      ],
      ['a send without a body', 415, { method: 'POST', path: '/api/messages', headers: alice }],
      ['a send of 17 KB', 413, send({ to: 'bruno', content: 'x'.repeat(17 * 1024) })],
      ['a send from another site', 403, send({ to: 'bruno', content: 'oi' }, { ...alice, 'Sec-Fetch-Site': 'cross-site' })],
      ['a send from a sibling site', 403, send({ to: 'bruno', content: 'oi' }, { ...alice, 'Sec-Fetch-Site': 'same-site' })],
      ['a send from a foreign Origin', 403, send({ to: 'bruno', content: 'oi' }, { ...alice, Origin: 'https://evil.example' })],
      ['a poll navigated to from another site', 403, poll('?wait=0', { ...alice, 'Sec-Fetch-Site': 'cross-site' })],
      ['a poll from a foreign Origin', 403, poll('?wait=0', { ...alice, Origin: 'https://evil.example' })],
      ['a HEAD of the poll', 404, { method: 'HEAD', path: '/api/messages', headers: alice }],
    ]);
  });

  it('when a send or a poll goes through, then both answer it alike', async () => {
    const t = await start(store);
    const alice = { Cookie: await login(t.fast, 'alice') };
    const bruno = { Cookie: await login(t.fast, 'bruno') };
    const message = { to: 'bruno', content: 'oi, bruno', clientId: 'c-1' };
    const first = await ask(t.fast, { method: 'POST', path: '/api/messages', headers: alice, json: message });
    expect(first.status).toBe(201);
    await expectSameAnswers(t, [
      // A retry of that send (the same clientId) answers the same message, 200.
      ['a retried send', 200, { method: 'POST', path: '/api/messages', headers: alice, json: message }],
      [
        'a send from Papo itself',
        200,
        { method: 'POST', path: '/api/messages', headers: { ...alice, 'Sec-Fetch-Site': 'same-origin' }, json: message },
      ],
      // Without a cursor a poll starts at what was never acknowledged: the message, each time.
      ['a poll', 200, { method: 'GET', path: '/api/messages?wait=0', headers: bruno }],
      ['a poll in capitals with a trailing slash', 200, { method: 'GET', path: '/API/Messages/?wait=0', headers: bruno }],
      ['a poll from a typed URL', 200, { method: 'GET', path: '/api/messages?wait=0', headers: { ...bruno, 'Sec-Fetch-Site': 'none' } }],
    ]);
    // A new message each: the ids differ, the rest of the answer does not.
    const fresh = (base: string, clientId: string) =>
      ask(base, { method: 'POST', path: '/api/messages', headers: alice, json: { to: 'bruno', content: 'again', clientId } });
    const [viaFast, viaReference] = [await fresh(t.fast, 'c-2'), await fresh(t.reference, 'c-3')];
    expect(viaFast.status).toBe(201);
    expect({ ...viaFast, body: '' }).toEqual({ ...viaReference, body: '' });
  });

  it('when a history page is asked for, refused or answered, then both answer it alike', async () => {
    const t = await start(store);
    const alice = { Cookie: await login(t.fast, 'alice') };
    await login(t.fast, 'bruno');
    await login(t.fast, 'carla');
    for (const [i, to] of ['bruno', 'carla', 'bruno'].entries()) {
      const sent = await ask(t.fast, { method: 'POST', path: '/api/messages', headers: alice, json: { to, content: `oi ${i}` } });
      expect(sent.status).toBe(201);
    }
    const page = (query: string, headers: Record<string, string> = alice): Probe => ({
      method: 'GET',
      path: `/api/history${query}`,
      headers,
    });
    const first = await ask(t.fast, page('?limit=1'));
    const { before } = JSON.parse(first.body) as { before: string };
    expect(before).toEqual(expect.any(String));
    const forged = forgedHeaders(alice);
    await expectSameAnswers(t, [
      ['the newest page', 200, page('')],
      ['a page of one', 200, page('?limit=1')],
      ['the page before a cursor', 200, page(`?limit=1&before=${before}`)],
      ['a conversation', 200, page('?with=bruno')],
      ['a conversation in capitals, with a trailing slash', 200, { ...page('?with=bruno'), path: '/API/History/?with=bruno' }],
      ['a page from a typed URL', 200, page('', { ...alice, 'Sec-Fetch-Site': 'none' })],
      ['a page without a cookie', 401, page('', {})],
      ['a page with a forged cookie', 401, page('', forged)],
      ['a page of 0', 400, page('?limit=0')],
      ['a page of 201', 400, page('?limit=201')],
      ['a page of abc', 400, page('?limit=abc')],
      ['a page with an unknown parameter', 400, page('?user=bruno')],
      ['a page with a repeated parameter', 400, page('?limit=1&limit=2')],
      ['a page before a cursor that is not one', 400, page('?before=nonsense')],
      ['a page before a poll cursor', 400, page(`?before=${before.slice(0, -1)}`)],
      ['a conversation with nobody', 404, page('?with=nobody')],
      ['a page asked from another site', 403, page('', { ...alice, 'Sec-Fetch-Site': 'cross-site' })],
      ['a page asked from a foreign Origin', 403, page('', { ...alice, Origin: 'https://evil.example' })],
      ['a HEAD of the history', 404, { method: 'HEAD', path: '/api/history', headers: alice }],
    ]);
  });

  it('when a request has two faults (no session, and a bad body or query), then the fast path names the session, the Express chain the body', async () => {
    // On purpose (api/http/fast-path/index.ts): the fast path checks the session before it reads the body.
    const t = await start(store);
    for (const probe of [
      { method: 'POST', path: '/api/messages', json: { to: 'bruno' } },
      { method: 'GET', path: '/api/messages?wait=abc' },
      { method: 'GET', path: '/api/history?limit=abc' },
    ] as const) {
      expect((await ask(t.fast, probe)).status).toBe(401);
      expect((await ask(t.reference, probe)).status).toBe(400);
    }
  });

  it('when a poll carries a body, then the fast path leaves it unread, where the Express chain parses it and refuses a broken or oversized one', async () => {
    // On purpose (api/http/fast-path/index.ts): a GET's body means nothing, and the poll never reads one.
    const t = await start(store);
    const alice = { Cookie: await login(t.fast, 'alice'), 'Content-Type': 'application/json' };
    for (const [raw, status] of [
      ['{"x":', 400],
      [JSON.stringify({ x: 'y'.repeat(17 * 1024) }), 413],
      ['{"x":1}', 200],
    ] as const) {
      const probe: Probe = { method: 'GET', path: '/api/messages?wait=0', headers: alice, raw };
      expect((await ask(t.fast, probe)).status).toBe(200);
      expect((await ask(t.reference, probe)).status).toBe(status);
    }
  });

  it('when PUBLIC_ORIGIN is set, then a rebinding Host gets the same 421 and a foreign Origin the same 403 from both', async () => {
    const t = await start(store, { PUBLIC_ORIGIN: 'http://papo.example' });
    const alice = { Cookie: await login(t.fast, 'alice', { Host: 'papo.example' }) };
    await expectSameAnswers(t, [
      [
        'a send for another Host',
        421,
        { method: 'POST', path: '/api/messages', headers: { ...alice, Host: 'evil.example' }, json: { to: 'alice', content: 'oi' } },
      ],
      ['a poll for another Host', 421, { method: 'GET', path: '/api/messages?wait=0', headers: { ...alice, Host: 'evil.example' } }],
      [
        'a poll from another Origin',
        403,
        { method: 'GET', path: '/api/messages?wait=0', headers: { ...alice, Host: 'papo.example', Origin: 'http://evil.example' } },
      ],
      [
        'a poll for the listed origin',
        200,
        { method: 'GET', path: '/api/messages?wait=0', headers: { ...alice, Host: 'PAPO.example:80' } },
      ],
    ]);
  });
});

describe('the fast path answers as the Express app over HTTPS', () => {
  it('when a request comes through a trusted proxy over HTTPS, then both add HSTS; from an untrusted peer neither does', async () => {
    for (const [env, hsts] of [
      [{ TRUST_PROXY: 'loopback' }, true],
      [{}, false],
    ] as const) {
      const t = await start('text', env);
      const https = { 'X-Forwarded-Proto': 'https' };
      const alice = { ...https, Cookie: await login(t.fast, 'alice', https) };
      await login(t.fast, 'bruno');
      const viaBrowser = { ...alice, 'X-Forwarded-Host': 'papo.example', Origin: 'https://papo.example' };
      await expectSameAnswers(t, [
        ['a poll', 200, { method: 'GET', path: '/api/messages?wait=0', headers: alice }],
        ['a poll without a session', 401, { method: 'GET', path: '/api/messages?wait=0', headers: https }],
        ['a send with a bad body', 400, { method: 'POST', path: '/api/messages', headers: alice, json: { to: 'bruno' } }],
        // The same-origin check sees the origin the browser used, through the proxy only when it is trusted.
        [
          'a send from the page behind the proxy',
          hsts ? 404 : 403,
          { method: 'POST', path: '/api/messages', headers: viaBrowser, json: { to: 'nobody', content: 'oi' } },
        ],
      ]);
      const answer = await ask(t.fast, { method: 'GET', path: '/api/messages?wait=0', headers: alice });
      expect(answer.headers['strict-transport-security'] !== undefined).toBe(hsts);
    }
  });

  it('when the server speaks TLS itself, then both add HSTS and answer alike', async () => {
    const t = await start('text', { TLS_CERT: CERT, TLS_KEY: KEY });
    const alice = { Cookie: await login(t.fast, 'alice') };
    await expectSameAnswers(t, [
      ['a poll', 200, { method: 'GET', path: '/api/messages?wait=0', headers: alice }],
      ['a poll without a session', 401, { method: 'GET', path: '/api/messages?wait=0' }],
      ['a send to nobody', 404, { method: 'POST', path: '/api/messages', headers: alice, json: { to: 'nobody', content: 'oi' } }],
    ]);
    const answer = await ask(t.fast, { method: 'GET', path: '/api/messages?wait=0', headers: alice });
    expect(answer.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });
});
