import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../api/config.js';
import { PushServiceStandIn, trustingAgent, type TestDevice } from '../support/push-service.js';
import { STORES, testServers, type StoreKind, type TestServer, type TestServerOptions } from '../support/server.js';
import { poll, send, signUp } from '../support/users.js';
import { serverProcessesPerTest } from '../support/server-process.js';
import type { SpecAgent } from '../support/contract.js';

/** The server under test sends to the stand-in only: its host allowed, its certificate trusted, short retries. */
const PUSH_ENV = { PUSH_SERVICE_HOSTS: '127.0.0.1' };
const pushOptions = () => ({ agent: trustingAgent(), retryBaseMs: 20, timeoutMs: 2000 });

describe.each(STORES)('Web Push on the %s store (issue #17)', (store: StoreKind) => {
  const servers = testServers();
  let service: PushServiceStandIn;
  beforeEach(async () => {
    service = await PushServiceStandIn.start();
  });
  afterEach(async () => {
    await service.close();
  });

  const start = (options: TestServerOptions = {}) =>
    servers.start({ store, ...options, env: { ...PUSH_ENV, ...options.env }, push: { ...pushOptions(), ...options.push } });

  /** `name` logged in on a device whose notifications are on. */
  async function subscribed(server: TestServer, name: string): Promise<{ agent: SpecAgent; device: TestDevice }> {
    const agent = await signUp(server.url, name);
    const device = service.newDevice();
    await agent.put('/api/push/subscription').send(device.subscription).expect(204);
    return { agent, device };
  }

  describe('GET /api/push/key', () => {
    it('when asked, then it gives the VAPID public key, the same after a restart', async () => {
      const server = await start();
      const first = await signUp(server.url, 'keyreader');
      const { body } = await first.get('/api/push/key').expect(200);
      expect(Buffer.from(body.publicKey as string, 'base64url')).toHaveLength(65);

      const again = await servers.restart(server, { env: PUSH_ENV });
      const res = await (await signUp(again.url, 'keyreader')).get('/api/push/key').expect(200);
      expect(res.body.publicKey).toBe(body.publicKey);
      if (store === 'text') {
        const file = path.join(server.dataDir, 'vapid-keys.txt');
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        expect(await readFile(file, 'utf8')).toMatch(
          new RegExp(`^papo-vapid-keys;1;${body.publicKey as string};[A-Za-z0-9_-]{43};[0-9a-f]{8}\\n$`),
        );
      }
    });
  });

  describe('PUT /api/push/subscription', () => {
    it('when the subscription is not one a browser makes, then 400 says what is wrong and nothing is kept', async () => {
      const server = await start();
      const agent = await signUp(server.url, 'checker');
      const good = service.newDevice().subscription;
      const bad: [string, unknown, RegExp][] = [
        ['http endpoint', { ...good, endpoint: good.endpoint.replace('https:', 'http:') }, /https/],
        ['host not allowed', { ...good, endpoint: 'https://10.0.0.1/push/1' }, /PUSH_SERVICE_HOSTS/],
        ['short p256dh', { ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(0, 40) } }, /65 bytes/],
        ['p256dh off the curve', { ...good, keys: { ...good.keys, p256dh: Buffer.alloc(65, 4).toString('base64url') } }, /curve/],
        ['auth of 15 bytes', { ...good, keys: { ...good.keys, auth: Buffer.alloc(15).toString('base64url') } }, /16 bytes/],
        ['auth not base64url', { ...good, keys: { ...good.keys, auth: 'a+b/c=d' } }, /base64url/],
      ];
      for (const [what, body, message] of bad) {
        const res = await agent.put('/api/push/subscription').send(body as object);
        expect(res.status, what).toBe(400);
        expect(res.body.error.code, what).toBe('invalid_request');
        expect(res.body.error.message, what).toMatch(message);
      }
      const extra = await agent.put('/api/push/subscription').send({ ...good, extra: 1 });
      expect(extra.body.error.code).toBe('unknown_field');

      await send(await signUp(server.url, 'writer'), 'checker', 'hi');
      await server.running.push.drained();
      expect(service.requests).toBe(0);
    });

    it('when not logged in, then 401', async () => {
      const server = await start();
      const anonymous = (await import('../support/contract.js')).specAgent(server.url);
      await anonymous.put('/api/push/subscription').send(service.newDevice().subscription).expect(401);
    });

    it('when a user has PUSH_SUBSCRIPTIONS_PER_USER devices subscribed, then another is refused with 409', async () => {
      const server = await start({ env: { PUSH_SUBSCRIPTIONS_PER_USER: '2' } });
      await subscribed(server, 'many');
      await subscribed(server, 'many');
      const third = await signUp(server.url, 'many');
      const res = await third.put('/api/push/subscription').send(service.newDevice().subscription).expect(409);
      expect(res.body.error.code).toBe('too_many_subscriptions');
    });
  });

  describe('sending a push', () => {
    it('when a message is stored for a device that is not polling, then it gets one push the push service accepts, decrypting to who and what', async () => {
      const server = await start({ env: { VAPID_SUBJECT: 'mailto:ops@papo.example' } });
      const { device } = await subscribed(server, 'bruno');
      const alice = await signUp(server.url, 'alice');

      await send(alice, 'bruno', 'oi, tudo bem? 🎉');
      await server.running.push.drained();

      expect(service.problems).toEqual([]);
      const [push] = service.pushesTo(device);
      expect(service.pushesTo(device)).toHaveLength(1);
      expect(push?.payload).toEqual({
        v: 1,
        tag: 'papo:alice',
        peer: 'alice',
        count: 1,
        badge: 1,
        from: 'alice',
        text: 'oi, tudo bem? 🎉',
      });
      expect(push?.claims.aud).toBe(service.origin);
      expect(push?.claims.sub).toBe('mailto:ops@papo.example');
      expect(push?.ttl).toBe(86400);
      expect(push?.urgency).toBe('high');
      expect(push?.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
    });

    it('when the device holds a poll, then it gets the message live and no push; once it stops polling, pushes resume', async () => {
      const server = await start({ push: { liveGraceMs: 500 } });
      const { agent, device } = await subscribed(server, 'carla');
      const dan = await signUp(server.url, 'dan');
      const { cursor } = await poll(agent);
      const held = poll(agent, cursor, 10);
      await new Promise((r) => setTimeout(r, 200));

      await send(dan, 'carla', 'live');
      await held;
      await server.running.push.drained();
      expect(service.pushesTo(device)).toEqual([]);
      expect(server.running.push.outcomes.live).toBe(1);
      // Just answered, it is polling again (a live client does): still no push.
      await send(dan, 'carla', 'between polls');
      await server.running.push.drained();
      expect(service.pushesTo(device)).toEqual([]);

      await new Promise((r) => setTimeout(r, 600));
      await send(dan, 'carla', 'while away');
      await server.running.push.drained();
      expect(service.pushesTo(device).map((p) => p.payload)).toMatchObject([{ text: 'while away', count: 3 }]);
    });

    it('when one person sends a burst, then the pushes share a tag and the last carries the count', async () => {
      const server = await start({ push: { concurrency: 1 } });
      const { device } = await subscribed(server, 'eva');
      const fred = await signUp(server.url, 'fred');
      for (let i = 1; i <= 6; i++) await send(fred, 'eva', `burst ${i}`);
      await server.running.push.drained();

      const pushes = service.pushesTo(device);
      expect(pushes.length).toBeGreaterThanOrEqual(1);
      expect(new Set(pushes.map((p) => p.payload.tag))).toEqual(new Set(['papo:fred']));
      expect(pushes.at(-1)?.payload).toMatchObject({ text: 'burst 6', count: 6, badge: 6 });
    });

    it('when PUSH_PREVIEW is sender or none, then the payload says only that much', async () => {
      for (const preview of ['sender', 'none'] as const) {
        const server = await start({ env: { PUSH_PREVIEW: preview } });
        const { device } = await subscribed(server, `gil${preview}`);
        await send(await signUp(server.url, `hana${preview}`), `gil${preview}`, 'secret text');
        await server.running.push.drained();
        const [push] = service.pushesTo(device);
        expect(push?.payload.text, preview).toBeUndefined();
        expect(push?.payload.from, preview).toBe(preview === 'sender' ? `hana${preview}` : undefined);
        expect(push?.payload.peer, preview).toBe(`hana${preview}`);
      }
    });
  });

  describe('what the push service answers', () => {
    it('when it answers 410 (or 404), then the subscription is deleted and never tried again', async () => {
      const server = await start();
      const { device } = await subscribed(server, 'ines');
      const jon = await signUp(server.url, 'jon');
      device.script.push({ status: 410 });
      await send(jon, 'ines', 'one');
      await server.running.push.drained();
      expect(service.requests).toBe(1);

      await send(jon, 'ines', 'two');
      await server.running.push.drained();
      expect(service.requests).toBe(1);
      expect(server.running.push.outcomes.gone).toBe(1);
      const again = await servers.restart(server, { env: PUSH_ENV, push: pushOptions() });
      await send(await signUp(again.url, 'jon'), 'ines', 'three');
      await again.running.push.drained();
      expect(service.requests).toBe(1);
    });

    it('when it answers 429 then 503, then the push is tried again and delivered', async () => {
      const server = await start();
      const { device } = await subscribed(server, 'kai');
      device.script.push({ status: 429, headers: { 'Retry-After': '0' } }, { status: 503 });
      await send(await signUp(server.url, 'lia'), 'kai', 'eventually');
      await server.running.push.drained();
      expect(service.requests).toBe(3);
      expect(service.pushesTo(device).map((p) => p.payload.text)).toEqual(['eventually']);
    });

    it('when it keeps answering 500, then the push is dropped after a bounded number of tries, with a log line', async () => {
      const server = await start();
      const { device } = await subscribed(server, 'max');
      device.script.push(...Array.from({ length: 10 }, () => ({ status: 500 })));
      await send(await signUp(server.url, 'nina'), 'max', 'never');
      await server.running.push.drained();
      expect(service.requests).toBe(4);
      expect(server.running.push.outcomes['given-up']).toBe(1);
      expect(server.log.entries.some((e) => e.msg === 'push not delivered after retries: dropped it' && e.status === 500)).toBe(true);
    });

    it('when it answers nothing at all, then sends are answered as fast as without push', async () => {
      const server = await start({ push: { timeoutMs: 5000, attempts: 1 } });
      const { device } = await subscribed(server, 'olga');
      device.script.push(...Array.from({ length: 100 }, () => 'black-hole' as const));
      const pia = await signUp(server.url, 'pia');
      const timings: number[] = [];
      for (let i = 0; i < 40; i++) {
        const started = performance.now();
        await send(pia, 'olga', `into the void ${i}`);
        timings.push(performance.now() - started);
      }
      // Had a push been on the send's path, every send would wait for the black hole's 5 s timeout.
      expect(Math.max(...timings)).toBeLessThan(1000);
      expect(service.requests).toBeGreaterThanOrEqual(1);
    });
  });

  describe('the subscription follows the session', () => {
    it('when the device logs out, then its subscription is gone, also after a restart', async () => {
      const server = await start();
      const { agent, device } = await subscribed(server, 'quim');
      await agent.delete('/api/session').expect(204);
      const rita = await signUp(server.url, 'rita');
      await send(rita, 'quim', 'after logout');
      await server.running.push.drained();
      expect(service.pushesTo(device)).toEqual([]);

      const again = await servers.restart(server, { env: PUSH_ENV, push: pushOptions() });
      await send(await signUp(again.url, 'rita'), 'quim', 'after restart');
      await again.running.push.drained();
      expect(service.requests).toBe(0);
    });

    it('when DELETE /api/push/subscription, then that device gets no more pushes and other devices still do', async () => {
      const server = await start();
      const phone = await subscribed(server, 'sara');
      const laptop = await subscribed(server, 'sara');
      await phone.agent.delete('/api/push/subscription').expect(204);
      await send(await signUp(server.url, 'tito'), 'sara', 'to the laptop');
      await server.running.push.drained();
      expect(service.pushesTo(phone.device)).toEqual([]);
      expect(service.pushesTo(laptop.device)).toHaveLength(1);
    });

    it('when the server restarts, then subscriptions are still there', async () => {
      const server = await start();
      const { device } = await subscribed(server, 'ugo');
      const again = await servers.restart(server, { env: PUSH_ENV, push: pushOptions() });
      await send(await signUp(again.url, 'vera'), 'ugo', 'after restart');
      await again.running.push.drained();
      expect(service.pushesTo(device).map((p) => p.payload.text)).toEqual(['after restart']);
    });
  });
});

describe('Web Push keys and configuration (issue #17)', () => {
  const servers = testServers();

  it('when vapid-keys.txt is damaged, then the server refuses to start, naming the file, and leaves it as it is', async () => {
    const server = await servers.start();
    await server.stop();
    const file = path.join(server.dataDir, 'vapid-keys.txt');
    const damaged = (await readFile(file, 'utf8')).replace(/;[0-9a-f]{8}\n$/, ';00000000\n');
    await writeFile(file, damaged);
    await expect(servers.start({ dataDir: server.dataDir })).rejects.toThrow(/vapid-keys\.txt cannot be read/);
    expect(await readFile(file, 'utf8')).toBe(damaged);
  });

  it('when VAPID_SUBJECT is neither mailto: nor https, then the configuration is refused with its name', () => {
    for (const bad of ['http://papo.example', 'ops@papo.example', 'mailto:nobody']) {
      expect(() => loadConfig({ VAPID_SUBJECT: bad }), bad).toThrow(/VAPID_SUBJECT must be mailto:<address> or an https:\/\/ URL/);
    }
    expect(loadConfig({ VAPID_SUBJECT: 'https://papo.example/contact' }).VAPID_SUBJECT).toBe('https://papo.example/contact');
    expect(() => loadConfig({ PUSH_PREVIEW: 'everything' })).toThrow(/PUSH_PREVIEW/);
  });
});

describe('a subscription acknowledged, then kill -9 (issue #17)', () => {
  const processes = serverProcessesPerTest();

  it('when the server is killed right after the 204, then after the restart the device still gets its pushes', async () => {
    const service = await PushServiceStandIn.start();
    try {
      // A process of its own trusts the stand-in's certificate the way any Node process can be told to.
      const env = { ...PUSH_ENV, NODE_EXTRA_CA_CERTS: path.join(import.meta.dirname, '..', 'fixtures', 'tls', 'localhost-cert.pem') };
      const server = await processes.start({ env });
      const device = service.newDevice();
      const rcpt = await signUp(server.url, 'wanda');
      await rcpt.put('/api/push/subscription').send(device.subscription).expect(204);
      await server.kill();

      await server.start();
      await send(await signUp(server.url, 'xavi'), 'wanda', 'after kill -9');
      await expect.poll(() => service.pushesTo(device).map((p) => p.payload.text), { timeout: 20_000 }).toEqual(['after kill -9']);
      expect(service.problems).toEqual([]);
    } finally {
      await service.close();
    }
  }, 90_000);
});
