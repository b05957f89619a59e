import { describe, expect, it } from 'vitest';
import { specAgent } from '../support/contract.js';
import { serverProcessesPerTest } from '../support/server-process.js';
import { poll, send, signUp } from '../support/users.js';

const processes = serverProcessesPerTest();

// Each test starts real processes: allow for a loaded machine.
describe('api/main.ts (npm start)', { timeout: 120_000 }, () => {
  it('when a setting is invalid, then it stops with a clear message naming it, and no stack trace', async () => {
    const p = await processes.make({ env: { PORT: 'eighty', BCRYPT_COST: '4' } });
    p.launch();
    expect(await p.exited).toBe(1);
    const err = p.stderr;
    expect(err).toMatch(/invalid configuration/);
    expect(err).toMatch(/PORT must be a whole number from 0 to 65535 \(got "eighty"\)/);
    expect(err).toMatch(/BCRYPT_COST must be a whole number from 10 to 15/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('when started, then one line says where it listens and where its data is; SIGTERM answers held polls and exits 0', async () => {
    const p = await processes.start({ env: { SESSION_SECRET: '', LOG_LEVEL: 'info' } });
    await expect.poll(() => p.stdout).toContain(`Papo listening on ${p.url}, data in ${p.dataDir}`);
    expect(p.stdout).toContain(`generated one and kept it in ${p.dataDir}/session-secret.txt`);
    const url = p.url;
    const a = await signUp(url, 'quinn');
    const b = await signUp(url, 'rosa');
    const { cursor } = await poll(b);
    const t0 = Date.now();
    const held = poll(b, cursor, 30);
    await new Promise((r) => setTimeout(r, 200));
    const stopped = p.stop();
    expect(await held).toEqual({ events: [], cursor });
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(await stopped).toBe(0);
    void a;
  });

  it('when the data folder is in use by a live server, then a second one refuses to start, saying so', async () => {
    const first = await processes.start();
    const second = await processes.make({ dataDir: first.dataDir });
    second.launch();
    expect(await second.exited).toBe(1);
    expect(second.stderr).toMatch(/already using the data folder/);
  });

  it('when killed with -9 right after a profile change is answered, then it is there after a restart (issue #19)', async () => {
    const server = await processes.start();
    const maria = await signUp(server.url, 'maria');
    await maria.patch('/api/profile').send({ displayName: 'Maria Silva', lastSeenVisibility: 'nobody' }).expect(200);
    await server.kill();
    await server.start();
    const joao = await signUp(server.url, 'joao');
    expect((await joao.get('/api/users/maria').expect(200)).body).toMatchObject({ displayName: 'Maria Silva', presence: null });
  });

  it('when killed with -9 right after a 201, then the message is there after a restart', async () => {
    const server = await processes.start();
    const url = server.url;
    const a = await signUp(url, 'sara');
    await signUp(url, 'tito');
    const m = await send(a, 'tito', 'survives kill -9');
    await server.kill();
    await server.start();
    const tito = specAgent(url);
    await tito.post('/api/session').send({ username: 'tito', password: 'correct horse battery' }).expect(200);
    const got = await poll(tito);
    expect(got.events.map((e) => (e.type === 'message' ? e.message.id : e.type === 'typing' ? e.from : e.id))).toContain(m.id);
  });
});
