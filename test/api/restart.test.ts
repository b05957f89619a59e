import { describe, expect, it } from 'vitest';
import { specAgent } from '../support/contract.js';
import { STORES, startTestServer, tempDir, testServers } from '../support/server.js';
import { PASSWORD, messagesOf, poll, send, signUp } from '../support/users.js';
import { cookieFrom } from '../support/cookies.js';

const servers = testServers();

describe.each(STORES)('restart on the %s store', (store) => {
  it('when the server restarts on the same folder, then queued messages arrive and sessions still work', async () => {
    const dataDir = await tempDir();
    const first = await servers.start({ dataDir, store });
    const lia = await signUp(first.url, 'lia');
    const mauro = specAgent(first.url);
    const login = await mauro.post('/api/session').send({ username: 'mauro', password: PASSWORD }).expect(201);
    const cookie = cookieFrom(login);
    const m = await send(lia, 'mauro', 'sent before the restart; still here?\n😀');
    await first.stop();

    const second = await servers.restart(first);
    // Same cookie, new process: still logged in (sessions live in the data folder).
    const again = specAgent(second.url);
    await again
      .get('/api/session')
      .set('cookie', cookie)
      .expect(200, { user: { username: 'mauro' } });
    const res = await again.get('/api/messages?wait=0').set('cookie', cookie).expect(200);
    expect(messagesOf(res.body.events)).toEqual([{ ...m, status: 'sent' }]);
  });

  it('when a cursor from before the restart is used, then it continues where it was, with no gap', async () => {
    const dataDir = await tempDir();
    const first = await servers.start({ dataDir, store });
    const a = await signUp(first.url, 'nina');
    const b = await signUp(first.url, 'otto');
    const { cursor } = await poll(b);
    const before = await send(a, 'otto', 'before');
    const loginCookie = async (url: string) =>
      cookieFrom(await specAgent(url).post('/api/session').send({ username: 'otto', password: PASSWORD }));
    const cookie = await loginCookie(first.url);
    await first.stop();
    const second = await servers.restart(first);
    const res = await specAgent(second.url).get(`/api/messages?wait=0&after=${cursor}`).set('cookie', cookie).expect(200);
    expect(messagesOf(res.body.events).map((m) => m.id)).toEqual([before.id]);
    // And new messages keep increasing positions after the restart.
    const nina = specAgent(second.url);
    await nina.post('/api/session').send({ username: 'nina', password: PASSWORD }).expect(200);
    const after = await send(nina, 'otto', 'after');
    const next = await specAgent(second.url).get(`/api/messages?wait=0&after=${res.body.cursor}`).set('cookie', cookie).expect(200);
    expect(messagesOf(next.body.events).map((m) => m.id)).toEqual([after.id]);
  });
});

describe('the data folder lock', () => {
  it('when a second server starts on a folder in use, then it refuses with a clear message', async () => {
    const dataDir = await tempDir();
    await servers.start({ dataDir });
    await expect(startTestServer({ dataDir })).rejects.toThrow(/already using the data folder/);
  });
});
