import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specAgent } from '../support/contract.js';
import { STORES, startTestServer, type TestServer } from '../support/server.js';
import { PASSWORD, PASSWORD_72_BYTES, signUp } from '../support/users.js';
import { cookieFrom, setCookieLine } from '../support/cookies.js';

describe.each(STORES)('on the %s store', (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store });
  });
  afterAll(async () => {
    await server.destroy();
  });

  describe('POST /api/session', () => {
    it('when the username is unknown, then it creates the account (201) and logs in', async () => {
      const device = specAgent(server.url);
      const res = await device.post('/api/session').send({ username: 'alice', password: PASSWORD }).expect(201);
      expect(res.body).toEqual({ user: { username: 'alice' }, created: true });
      expect(setCookieLine(res)).toMatch(/^papo\.sid=.*HttpOnly.*SameSite=Lax/i);
      await device.get('/api/session').expect(200, { user: { username: 'alice' } });
      if (store === 'text') {
        const users = await readFile(path.join(server.dataDir, 'usuarios.txt'), 'utf8');
        expect(users).toMatch(/^alice;\$2[ab]\$10\$[./A-Za-z0-9]{53};[0-9a-f]{8}\n$/);
      }
    });

    it('when the username is known and the password right, then it logs in (200, created false)', async () => {
      await signUp(server.url, 'bruno');
      const res = await specAgent(server.url).post('/api/session').send({ username: 'bruno', password: PASSWORD }).expect(200);
      expect(res.body).toEqual({ user: { username: 'bruno' }, created: false });
    });

    it('when the password is wrong, then 401 wrong_password and no session', async () => {
      await signUp(server.url, 'carla');
      const device = specAgent(server.url);
      const res = await device.post('/api/session').send({ username: 'carla', password: 'not the password' }).expect(401);
      expect(res.body.error.code).toBe('wrong_password');
      await device.get('/api/session').expect(401);
    });

    it('when the name differs only in case or compatibility form, then it is the same account', async () => {
      await signUp(server.url, 'Maria');
      for (const name of ['maria', 'MARIA', 'ｍａｒｉａ', 'ᴹᴬᴿᴵᴬ']) {
        const res = await specAgent(server.url).post('/api/session').send({ username: name, password: PASSWORD }).expect(200);
        expect(res.body.user.username).toBe('maria');
      }
    });

    it.each([
      ['too short', 'ab'],
      ['too long', 'a'.repeat(33)],
      ['starts with a dot', '.alice'],
      ['path traversal', '../x'],
      ['a slash', 'a/b'],
      ['a backslash', 'a\\b'],
      ['NUL', 'ab\u0000c'],
      ['Cyrillic look-alike', 'аlice'],
      ['zero-width space', 'ali\u200bce'],
      ['a space', 'al ice'],
      ['1,000 characters', 'x'.repeat(1000)],
    ])('when the username has %s, then 400 invalid_username stating the rule', async (_why, username) => {
      const res = await specAgent(server.url).post('/api/session').send({ username, password: PASSWORD }).expect(400);
      expect(res.body.error.code).toMatch(/invalid_username|invalid_request/);
      if (res.body.error.code === 'invalid_username') expect(res.body.error.message).toMatch(/3 to 32 characters/);
    });

    it('when a new account has a password under 8 or over 72 bytes, then 400 and no account', async () => {
      for (const password of ['short', `${PASSWORD_72_BYTES}é`]) {
        const res = await specAgent(server.url).post('/api/session').send({ username: 'dora', password }).expect(400);
        expect(res.body.error.code).toBe('invalid_password');
        expect(res.body.error.message).toMatch(/72 bytes/);
      }
      const res = await specAgent(server.url).post('/api/session').send({ username: 'dora', password: PASSWORD_72_BYTES }).expect(201);
      expect(res.body.created).toBe(true);
    });

    it('when the body has unknown fields, is not JSON, or is too big, then 400/415/413', async () => {
      const device = specAgent(server.url);
      const unknown = await device.post('/api/session').send({ username: 'erin', password: PASSWORD, admin: true }).expect(400);
      expect(unknown.body.error.code).toBe('unknown_field');
      const form = await device.post('/api/session').type('form').send('username=erin&password=x').expect(415);
      expect(form.body.error.code).toBe('unsupported_media_type');
      const big = await device
        .post('/api/session')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ username: 'erin', password: 'x'.repeat(20_000) }))
        .expect(413);
      expect(big.body.error.code).toBe('payload_too_large');
      const broken = await device.post('/api/session').set('content-type', 'application/json').send('{"username":').expect(400);
      expect(broken.body.error.code).toBe('invalid_request');
    });

    it('when two sign-ups race for one name, then one account is created and the other logs into it', async () => {
      const [a, b] = await Promise.all([
        specAgent(server.url).post('/api/session').send({ username: 'race', password: PASSWORD }),
        specAgent(server.url).post('/api/session').send({ username: 'race', password: PASSWORD }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 201]);
    });
  });

  describe('session cookie', () => {
    it('when logging in, then the session id is new (the cookie from before login no longer works)', async () => {
      await signUp(server.url, 'fixation');
      const device = specAgent(server.url);
      const first = await device.post('/api/session').send({ username: 'fixation', password: PASSWORD }).expect(200);
      const firstCookie = cookieFrom(first);
      const second = await device.post('/api/session').send({ username: 'fixation', password: PASSWORD }).expect(200);
      const secondCookie = cookieFrom(second);
      expect(secondCookie).not.toBe(firstCookie);
      await specAgent(server.url).get('/api/session').set('cookie', firstCookie).expect(401);
      await specAgent(server.url).get('/api/session').set('cookie', secondCookie).expect(200);
    });

    it('when logging out, then 204 and the old cookie no longer works anywhere', async () => {
      await signUp(server.url, 'leaving');
      const device = specAgent(server.url);
      const res = await device.post('/api/session').send({ username: 'leaving', password: PASSWORD }).expect(200);
      const cookie = cookieFrom(res);
      await device.delete('/api/session').expect(204);
      for (const url of ['/api/session', '/api/messages?wait=0', '/api/conversations', '/api/history']) {
        const other = await specAgent(server.url).get(url).set('cookie', cookie).expect(401);
        expect(other.body.error.code).toBe('not_authenticated');
      }
      await specAgent(server.url).post('/api/messages').set('cookie', cookie).send({ to: 'alice', content: 'hi' }).expect(401);
    });

    it('when not logged in, then every user endpoint answers 401 not_authenticated', async () => {
      const anonymous = specAgent(server.url);
      await anonymous.get('/api/session').expect(401);
      await anonymous.get('/api/conversations').expect(401);
      await anonymous.get('/api/history').expect(401);
      await anonymous.get('/api/messages?wait=0').expect(401);
      await anonymous.post('/api/messages').send({ to: 'alice', content: 'x' }).expect(401);
      await anonymous.post('/api/messages/read').send({ with: 'alice', upTo: '1' }).expect(401);
      await anonymous.delete('/api/session').expect(204);
    });
  });

  describe('GET /healthz and unknown routes', () => {
    it('when asked, then health says ok, and an unknown API route is a 404 in the error shape', async () => {
      const device = specAgent(server.url);
      await device.get('/healthz').expect(200, { status: 'ok' });
      const res = await device.get('/api/nothing-here').expect(404);
      expect(res.body.error.code).toBe('not_found');
    });

    it('when asked for the spec and the docs, then both are served', async () => {
      const device = specAgent(server.url);
      const spec = await device.get('/api/openapi.yaml').expect(200);
      expect(spec.text).toMatch(/^openapi: 3/m);
      const docs = await device.get('/api/docs/').expect(200);
      expect(docs.text).toMatch(/swagger/i);
    });
  });
});
