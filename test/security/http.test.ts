/**
 * The HTTP surface under attack (issue #6): authorization between users, cross-site requests, content types,
 * size and poll limits, prototype pollution, security headers, and what the log may hold.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../api/config.js';
import { createLogger } from '../../api/logger.js';
import { startServer } from '../../api/server.js';
import type { Message, PollResponse } from '../../api/contract.js';
import { specAgent, type SpecAgent } from '../support/contract.js';
import { TEST_SECRET, tempDir, type TestServer, testServers } from '../support/server.js';
import { PASSWORD, poll, send, signUp } from '../support/users.js';
import { cookieFrom } from '../support/cookies.js';

const servers = testServers();
async function threeUsers(s: TestServer): Promise<{ alice: SpecAgent; bruno: SpecAgent; carla: SpecAgent; secret: Message }> {
  const alice = await signUp(s.url, 'alice');
  const bruno = await signUp(s.url, 'bruno');
  const carla = await signUp(s.url, 'carla');
  const secret = await send(alice, 'bruno', 'only for bruno');
  return { alice, bruno, carla, secret };
}

describe('authorization', () => {
  it("when a user names other users' conversations, ids or cursors, then they only ever see and change their own", async () => {
    const s = await servers.start();
    const { alice, bruno, carla, secret } = await threeUsers(s);
    const first = await poll(bruno);
    expect(first.events).toHaveLength(1);

    const mine = await carla.get('/api/history?with=alice').expect(200);
    expect(mine.body.messages).toEqual([]);
    expect((await carla.get('/api/history').expect(200)).body.messages).toEqual([]);
    expect((await carla.get('/api/conversations').expect(200)).body.conversations).toEqual([]);
    // Bruno's cursor in Carla's hands reads Carla's stream, and acknowledges nothing of Bruno's.
    const stolen = await carla.get(`/api/messages?wait=0&after=${encodeURIComponent(first.cursor)}`).expect(200);
    expect((stolen.body as PollResponse).events).toEqual([]);
    const fromStart = await poll(carla);
    expect(fromStart.events).toEqual([]);
    const aliceView = await alice.get('/api/history?with=bruno').expect(200);
    expect((aliceView.body.messages as Message[])[0]?.status).toBe('sent');
    // Marking someone else's conversation read: the message is not in Carla's conversation with anyone.
    await carla.post('/api/messages/read').send({ with: 'alice', upTo: secret.id }).expect(404);
    await carla.post('/api/messages/read').send({ with: 'bruno', upTo: secret.id }).expect(404);
    // Parameters that would name another user are not part of the API at all.
    await carla.get('/api/history?user=bruno').expect(400);
    await carla.get('/api/messages?wait=0&user=bruno').expect(400);
    await carla.post('/api/messages').send({ to: 'bruno', content: 'x', from: 'alice' }).expect(400);
    expect((await alice.get('/api/history?with=bruno').expect(200)).body.messages[0].status).toBe('sent');
  });
});

describe('cross-site requests', () => {
  it('when another site makes the browser send, acknowledge or log out, then it is refused with 403 and nothing changes', async () => {
    const s = await servers.start();
    const { alice, bruno } = await threeUsers(s);
    const evil = { Origin: 'https://evil.example' };
    await alice.post('/api/messages').set(evil).send({ to: 'bruno', content: 'forged' }).expect(403);
    await alice.post('/api/messages').set('Sec-Fetch-Site', 'cross-site').send({ to: 'bruno', content: 'forged' }).expect(403);
    await bruno.post('/api/messages/read').set('Sec-Fetch-Site', 'same-site').send({ with: 'alice', upTo: '1' }).expect(403);
    await alice.delete('/api/session').set(evil).expect(403);
    await alice.get('/api/session').expect(200);
    const history = await bruno.get('/api/history?with=alice').expect(200);
    expect((history.body.messages as Message[]).map((m) => m.content)).toEqual(['only for bruno']);
    // The same page's own requests pass.
    await alice
      .post('/api/messages')
      .set('Origin', s.url)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ to: 'bruno', content: 'fine' })
      .expect(201);
  });

  it.each([
    ['text/plain', '{"to":"bruno","content":"x"}'],
    ['application/x-www-form-urlencoded', 'to=bruno&content=x'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="to"\r\n\r\nbruno\r\n--x--'],
  ])('when a body comes as %s, then it is a 415 and is not read', async (type, body) => {
    const s = await servers.start();
    const { alice } = await threeUsers(s);
    const res = await alice.post('/api/messages').set('Content-Type', type).send(body).expect(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });
});

describe('limits', () => {
  it('when a body is over 16 KiB, then it is a 413', async () => {
    const s = await servers.start();
    const { alice } = await threeUsers(s);
    const res = await alice
      .post('/api/messages')
      .send({ to: 'bruno', content: 'x'.repeat(17 * 1024) })
      .expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('when a user holds more polls than allowed, then the oldest is answered at once; when the server is full, then 503 with Retry-After', async () => {
    const s = await servers.start({ env: { MAX_POLLS_PER_USER: '2', MAX_HELD_POLLS: '3' } });
    const { alice, bruno, carla } = await threeUsers(s);
    const started = Date.now();
    const oldest = bruno
      .get('/api/messages?wait=20&after=' + encodeURIComponent((await poll(bruno)).cursor))
      .then((r) => ({ at: Date.now() - started, res: r }));
    await new Promise((r) => setTimeout(r, 200));
    const second = bruno.get('/api/messages?wait=2').then((r) => r);
    await new Promise((r) => setTimeout(r, 200));
    const third = bruno.get('/api/messages?wait=2').then((r) => r);
    const evicted = await oldest;
    expect(evicted.res.status).toBe(200);
    expect(evicted.res.body.events).toEqual([]);
    expect(evicted.at).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 100));
    // Held now: bruno x2, and one for carla fills the server; alice's is refused.
    const carlas = carla.get('/api/messages?wait=2').then((r) => r);
    await new Promise((r) => setTimeout(r, 200));
    const full = await alice.get('/api/messages?wait=2').expect(503);
    expect(full.body.error.code).toBe('unavailable');
    expect(full.headers['retry-after']).toBeDefined();
    await Promise.all([second, third, carlas]);
  });

  it('when the server starts, then slow-header and slow-body clients are cut off by its timeouts', async () => {
    const s = await servers.start();
    expect(s.running.server.headersTimeout).toBeGreaterThan(0);
    expect(s.running.server.headersTimeout).toBeLessThanOrEqual(15_000);
    expect(s.running.server.requestTimeout).toBeGreaterThan(50_000); // outlasts a 50 s long-poll
    expect(s.running.server.requestTimeout).toBeLessThanOrEqual(120_000);
  });
});

describe('prototype pollution', () => {
  it.each([
    ['__proto__', '{"username":"alice","password":"correct horse battery","__proto__":{"polluted":"yes"}}'],
    ['constructor.prototype', '{"username":"alice","password":"correct horse battery","constructor":{"prototype":{"polluted":"yes"}}}'],
  ])('when a body carries %s, then it is a 400 and no object gains the property', async (_name, body) => {
    const s = await servers.start();
    const res = await specAgent(s.url).post('/api/session').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const { alice } = await threeUsers(s);
    const msg = await alice
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('{"to":"bruno","content":"x","__proto__":{"polluted":"yes"}}');
    expect(msg.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('headers', () => {
  const CSP =
    "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data: blob:;connect-src 'self';manifest-src 'self';worker-src 'self';font-src 'self';object-src 'none';base-uri 'self';form-action 'self';frame-ancestors 'none'";

  /** OWASP's REST set for API answers (api/http/security-headers.ts): no page ever, so nothing to load or frame. */
  const API_CSP = "default-src 'none'; frame-ancestors 'none'";

  it.each([
    ['/api/session', API_CSP],
    ['/api/nothing-here', API_CSP],
    ['/healthz', CSP],
  ])('when %s is fetched over HTTP, then it has its strict CSP, nosniff, no X-Powered-By, and no HSTS', async (url, csp) => {
    const s = await servers.start();
    const res = await specAgent(s.url).get(url);
    expect(res.headers['content-security-policy']).toBe(csp);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeUndefined();
    if (url.startsWith('/api')) expect(res.headers['cache-control']).toBe('no-store');
  });

  it('when an API answer comes back, then it carries the REST set and none of the headers only pages use', async () => {
    const s = await servers.start();
    const { alice } = await threeUsers(s);
    for (const res of [await alice.get('/api/session').expect(200), await alice.get('/api/messages?wait=0').expect(200)]) {
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['x-frame-options']).toBe('DENY');
      for (const pageOnly of [
        'x-dns-prefetch-control',
        'x-download-options',
        'x-xss-protection',
        'origin-agent-cluster',
        'referrer-policy',
      ]) {
        expect(res.headers[pageOnly]).toBeUndefined();
      }
    }
    // The documentation is a page: helmet's set, with its own CSP.
    const docs = await specAgent(s.url).get('/api/docs/').expect(200);
    expect(docs.headers['content-security-policy']).toContain("default-src 'self'");
    expect(docs.headers['referrer-policy']).toBe('no-referrer');
  });

  /** Headers that differ between any two answers (or by route by design), left out of the comparison. */
  const VARYING = new Set([
    'date',
    'content-length',
    'content-type',
    'set-cookie',
    'connection',
    'keep-alive',
    'transfer-encoding',
    'allow',
  ]);
  const fixedHeaders = (res: { headers: Record<string, unknown> }) =>
    Object.fromEntries(Object.entries(res.headers).filter(([name]) => !VARYING.has(name)));

  it('when the send and poll routes answer (success or error, any status), then they carry exactly the headers of every other API answer', async () => {
    const s = await servers.start();
    const { alice } = await threeUsers(s);
    const reference = fixedHeaders(await alice.get('/api/session').expect(200));
    expect(reference['content-security-policy']).toBe(API_CSP);
    const answers = [
      await alice.get('/api/messages?wait=0').expect(200),
      await alice.get('/api/messages?wait=abc').expect(400),
      await alice.get('/api/messages?after=nonsense&wait=0').expect(400),
      await specAgent(s.url).get('/api/messages?wait=0').expect(401),
      await alice.post('/api/messages').send({ to: 'bruno', content: 'oi' }).expect(201),
      await alice.post('/api/messages').send({ to: 'bruno' }).expect(400),
      await alice.post('/api/messages').send({ to: 'nobody', content: 'oi' }).expect(404),
      await specAgent(s.url).post('/api/messages').send({ to: 'bruno', content: 'oi' }).expect(401),
      await alice.post('/api/messages').set('Origin', 'https://evil.example').send({ to: 'bruno', content: 'oi' }).expect(403),
    ];
    for (const res of answers) expect(fixedHeaders(res)).toEqual(reference);
    expect(answers[0]?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answers[1]?.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('when the poll comes over HTTPS through a trusted proxy, then it has HSTS and a Secure cookie; an untrusted X-Forwarded-Proto changes nothing', async () => {
    for (const [env, trusted] of [
      [{ TRUST_PROXY: 'loopback' }, true],
      [{}, false],
    ] as const) {
      const s = await servers.start({ env });
      await threeUsers(s);
      const login = await specAgent(s.url).post('/api/session').send({ username: 'dora', password: PASSWORD }).expect(201);
      const cookie = cookieFrom(login);
      const https = { Cookie: cookie, 'X-Forwarded-Proto': 'https' };
      const res = await specAgent(s.url).get('/api/messages?wait=0').set(https).expect(200);
      const refused = await specAgent(s.url).get('/api/messages?wait=0').set('X-Forwarded-Proto', 'https').expect(401);
      for (const r of [res, refused]) expect(r.headers['strict-transport-security'] !== undefined).toBe(trusted);
      expect(/; Secure/i.test((res.headers['set-cookie'] as unknown as string[])[0] ?? '')).toBe(trusted);
      // The send's same-origin check sees the origin the browser used, through the proxy only when it is trusted.
      const fromBrowser = { ...https, 'X-Forwarded-Host': 'papo.example', Origin: 'https://papo.example' };
      await specAgent(s.url)
        .post('/api/messages')
        .set(fromBrowser)
        .send({ to: 'bruno', content: 'via the proxy' })
        .expect(trusted ? 201 : 403);
    }
  });

  it('when the PWA is served, then its pages carry the same strict CSP', async () => {
    const pwaDir = await tempDir('papo-pwa-');
    await writeFile(path.join(pwaDir, 'index.html'), '<!doctype html><title>Papo</title>');
    const dataDir = await tempDir();
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SESSION_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' });
    const running = await startServer(config, createLogger({ level: 'silent' }), { pwa: express.static(pwaDir) });
    try {
      const res = await specAgent(running.url).get('/').expect(200);
      expect(res.headers['content-security-policy']).toBe(CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    } finally {
      await running.close();
      await rm(pwaDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  const builtPwa = new URL('../../pwa/dist/index.html', import.meta.url);
  it.runIf(existsSync(builtPwa))('when the PWA is built, then its page has no inline script or style the CSP would block', async () => {
    const html = await readFile(builtPwa, 'utf8');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc=/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it('when the request came over HTTPS through a trusted proxy, then HSTS is set', async () => {
    const s = await servers.start({ env: { TRUST_PROXY: 'loopback' } });
    const res = await specAgent(s.url).get('/api/session').set('X-Forwarded-Proto', 'https');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
  });
});

describe('logs', () => {
  it('when names and contents carry newlines and fake JSON, then every log line is one JSON object, and contents never appear', async () => {
    const s = await servers.start({ env: { LOG_LEVEL: 'trace' } });
    const forged = 'x\n{"level":60,"msg":"forged"}\r\n';
    await specAgent(s.url).post('/api/session').send({ username: forged, password: PASSWORD }).expect(400);
    const { alice } = await threeUsers(s);
    const marker = 'conteúdo-secreto-7f3a';
    await alice
      .post('/api/messages')
      .send({ to: 'bruno', content: `${marker}${forged}` })
      .expect(201);
    await alice.post('/api/messages').send({ to: forged, content: marker }).expect(400);
    await alice.get(`/api/history?with=${encodeURIComponent(forged)}`).expect(400);
    expect(s.log.entries.length).toBeGreaterThan(0);
    for (const entry of s.log.entries) expect(entry.msg).not.toBe('forged');
    expect(s.log.text()).not.toContain(marker);
  });
});

describe('contents', () => {
  it('when a content holds a lone surrogate (valid JSON, not valid UTF-8), then it is refused or stored exactly, never silently changed', async () => {
    const s = await servers.start();
    const { alice, bruno } = await threeUsers(s);
    const res = await alice.post('/api/messages').set('Content-Type', 'application/json').send('{"to":"bruno","content":"a\\ud800b"}');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    const history = await bruno.get('/api/history?with=alice').expect(200);
    expect((history.body.messages as Message[]).map((m) => m.content)).toEqual(['only for bruno']);
  });
});
