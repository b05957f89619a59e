/**
 * The host allow-list, PUBLIC_ORIGIN (issue #15, item 14). DNS rebinding: a page on `evil.example` points its
 * own name at the address where Papo listens (a LAN, localhost), and its same-origin requests then reach Papo
 * with `Host: evil.example`, past every same-origin rule, since to the browser they are same-origin. When the
 * operator names the origins Papo is served at, every other Host is refused (421), and so is an `Origin` that
 * is not one of them (403), on every request: the API, the fast path, the documentation and the PWA's pages.
 */
import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import express from 'express';
import type { Response } from 'supertest';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../api/config.js';
import { specAgent } from '../support/contract.js';
import { cookieFrom, setCookieLine } from '../support/cookies.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { STORES, tempDir, type StoreKind, type TestServer, testServers } from '../support/server.js';
import { PASSWORD } from '../support/users.js';

const defer = cleanupAfterEach();
const servers = testServers();

/** A server with a stand-in PWA at `/`, so its pages are part of what is checked. */
async function start(store: StoreKind, env: Record<string, string>): Promise<TestServer> {
  const pwaDir = await tempDir('papo-pwa-');
  defer(() => rm(pwaDir, { recursive: true, force: true }));
  await writeFile(path.join(pwaDir, 'index.html'), '<!doctype html><title>Papo</title>');
  return servers.start({ store, env, pwa: express.static(pwaDir) });
}

const PUBLIC = 'http://papo.example';

describe('PUBLIC_ORIGIN (configuration)', () => {
  it('when it lists origins, then they are kept in their normal form; unset, there is no list', () => {
    expect(loadConfig({}).PUBLIC_ORIGIN).toBeUndefined();
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://Papo.Example.com' }).PUBLIC_ORIGIN).toEqual(['https://papo.example.com']);
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://papo.example.com:443/, http://192.168.1.20:3000' }).PUBLIC_ORIGIN).toEqual([
      'https://papo.example.com',
      'http://192.168.1.20:3000',
    ]);
  });

  it.each([
    'papo.example.com',
    'https://papo.example.com/app',
    'https://papo.example.com/?x=1',
    'https://papo.example.com/#top',
    'https://maria@papo.example.com',
    'ftp://papo.example.com',
    'https://papo.example.com,,http://x.example',
  ])('when it holds %j, then the configuration is refused, naming PUBLIC_ORIGIN and the rule', (value) => {
    expect(() => loadConfig({ PUBLIC_ORIGIN: value })).toThrow(ConfigError);
    expect(() => loadConfig({ PUBLIC_ORIGIN: value })).toThrow(/^invalid configuration: PUBLIC_ORIGIN .*scheme:\/\/host\[:port\]/);
  });
});

describe.each(STORES)('PUBLIC_ORIGIN (%s store)', (store) => {
  it('when a request names another Host (DNS rebinding), then it is a 421 misdirected_request on /api, the fast path, the docs and the pages; /healthz still answers', async () => {
    const s = await start(store, { PUBLIC_ORIGIN: PUBLIC });
    const rebound = { Host: 'evil.example' };
    const agent = specAgent(s.url);
    const answers: [string, Response][] = [
      ['POST /api/session', await agent.post('/api/session').set(rebound).send({ username: 'alice', password: PASSWORD })],
      ['GET /api/session', await agent.get('/api/session').set(rebound)],
      ['GET /api/messages', await agent.get('/api/messages?wait=0').set(rebound)],
      ['POST /api/messages', await agent.post('/api/messages').set(rebound).send({ to: 'bruno', content: 'oi' })],
      ['GET /api/docs/', await agent.get('/api/docs/').set(rebound)],
      ['GET /api/openapi.yaml', await agent.get('/api/openapi.yaml').set(rebound)],
      ['GET /api/nothing-here', await agent.get('/api/nothing-here').set(rebound)],
      ['GET / (the app)', await agent.get('/').set(rebound).set('Accept', 'text/html')],
      ['GET /index.html by address', await agent.get('/index.html').set({ Host: `127.0.0.1:${new URL(s.url).port}` })],
    ];
    for (const [name, res] of answers) {
      expect(res.status, name).toBe(421);
      expect(res.body.error.code, name).toBe('misdirected_request');
    }
    expect(answers[7]?.[1].text).not.toContain('<title>Papo</title>');
    // Nothing was created by the refused sign-up.
    const later = await agent.post('/api/session').set('Host', 'papo.example').send({ username: 'alice', password: PASSWORD }).expect(201);
    expect(later.body.created).toBe(true);
    await agent.get('/healthz').set(rebound).expect(200);
  });

  it('when a request comes from a page of another origin, then it is a 403 forbidden_origin, pages included', async () => {
    const s = await start(store, { PUBLIC_ORIGIN: PUBLIC });
    const agent = specAgent(s.url);
    const foreign = { Host: 'papo.example', Origin: 'http://evil.example' };
    const answers: [string, Response][] = [
      ['GET / (the app)', await agent.get('/').set(foreign).set('Accept', 'text/html')],
      ['GET /index.html', await agent.get('/index.html').set(foreign)],
      ['GET /api/docs/', await agent.get('/api/docs/').set(foreign)],
      ['POST /api/session', await agent.post('/api/session').set(foreign).send({ username: 'alice', password: PASSWORD })],
      ['GET /api/messages', await agent.get('/api/messages?wait=0').set(foreign)],
      ['GET /api/session from Origin: null', await agent.get('/api/session').set({ ...foreign, Origin: 'null' })],
    ];
    for (const [name, res] of answers) {
      expect(res.status, name).toBe(403);
      expect(res.body.error.code).toBe('forbidden_origin');
    }
  });

  it('when Host and Origin are listed ones (in any case, with or without the default port), then everything works as before', async () => {
    const s = await start(store, { PUBLIC_ORIGIN: `https://other.example,${PUBLIC}` });
    const alice = specAgent(s.url);
    const bruno = specAgent(s.url);
    for (const [who, name] of [
      [alice, 'alice'],
      [bruno, 'bruno'],
    ] as const) {
      await who.post('/api/session').set({ Host: 'papo.example', Origin: PUBLIC }).send({ username: name, password: PASSWORD }).expect(201);
    }
    await alice
      .post('/api/messages')
      .set({ Host: 'PAPO.example:80', Origin: PUBLIC, 'Sec-Fetch-Site': 'same-origin' })
      .send({ to: 'bruno', content: 'oi' })
      .expect(201);
    const polled = await bruno.get('/api/messages?wait=0').set('Host', 'papo.example').expect(200);
    expect(polled.body.events).toHaveLength(1);
    const page = await alice.get('/').set('Host', 'papo.example').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('<title>Papo</title>');
    await alice.get('/api/docs/').set('Host', 'papo.example').expect(200);
  });
});

describe('PUBLIC_ORIGIN behind a TLS proxy', () => {
  it('when HTTPS comes through a trusted proxy, then the forwarded host and scheme are checked; from an untrusted peer they are not believed', async () => {
    const trusted = await start('text', { PUBLIC_ORIGIN: 'https://papo.example.com', TRUST_PROXY: 'loopback' });
    const viaCaddy = { 'X-Forwarded-Host': 'papo.example.com', 'X-Forwarded-Proto': 'https', Origin: 'https://papo.example.com' };
    const viaNginx = { Host: 'papo.example.com', 'X-Forwarded-Proto': 'https', Origin: 'https://papo.example.com' };
    // The cookie is Secure, so a cookie jar would not send it over the test's plain HTTP: it is passed by hand.
    const login = await specAgent(trusted.url)
      .post('/api/session')
      .set(viaCaddy)
      .send({ username: 'alice', password: PASSWORD })
      .expect(201);
    expect(setCookieLine(login)).toMatch(/; Secure/i);
    const alice = { Cookie: cookieFrom(login) };
    await specAgent(trusted.url).post('/api/session').set(viaNginx).send({ username: 'bruno', password: PASSWORD }).expect(201);
    await specAgent(trusted.url)
      .post('/api/messages')
      .set({ ...viaNginx, ...alice })
      .send({ to: 'bruno', content: 'oi' })
      .expect(201);
    await specAgent(trusted.url)
      .get('/api/messages?wait=0')
      .set({ ...viaCaddy, ...alice })
      .expect(200);
    // Plain http through the proxy is not the listed origin; nor is a rebinding host forwarded by it.
    for (const headers of [
      { ...viaNginx, 'X-Forwarded-Proto': 'http', Origin: 'http://papo.example.com' },
      { ...viaCaddy, 'X-Forwarded-Host': 'evil.example', Origin: 'https://evil.example' },
    ]) {
      const res = await specAgent(trusted.url)
        .get('/api/session')
        .set({ ...headers, ...alice })
        .expect(421);
      expect(res.body.error.code).toBe('misdirected_request');
    }

    const direct = await start('text', { PUBLIC_ORIGIN: 'https://papo.example.com' });
    const spoofed = await specAgent(direct.url).get('/api/session').set(viaCaddy).expect(421);
    expect(spoofed.body.error.code).toBe('misdirected_request');
  });
});
