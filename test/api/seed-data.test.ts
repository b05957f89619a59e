import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../api/contract.js';
import { specAgent } from '../support/contract.js';
import { tempDir, type TestServer, testServers } from '../support/server.js';
import { messagesOf, poll } from '../support/users.js';

// The old timestamps are local time: read them as UTC here whatever the machine's zone (Node honours a
// change of TZ at run time).
process.env.TZ = 'UTC';

const SEED = fileURLToPath(new URL('../fixtures/seed-data', import.meta.url));
const servers = testServers();
async function startOnSeed(edit?: (dir: string) => Promise<void>): Promise<TestServer> {
  const dataDir = await tempDir();
  await cp(SEED, dataDir, { recursive: true });
  await edit?.(dataDir);
  const s = await servers.start({ dataDir });
  return s;
}

async function login(url: string, username: string, password: string) {
  const device = specAgent(url);
  const res = await device.post('/api/session').send({ username, password });
  return { device, res };
}

describe('a data folder left by the old Python system', () => {
  it('when started on it, then old accounts log in with their old passwords, which are now stored hashed', async () => {
    const s = await startOnSeed();
    for (const [user, password] of [
      ['joao', '1234'],
      ['maria', 'senha123'],
      ['pedro', 'p3dr0!'],
    ] as const) {
      const { res } = await login(s.url, user, password);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: { username: user }, created: false });
    }
    const users = await readFile(path.join(s.dataDir, 'usuarios.txt'), 'utf8');
    expect(users).not.toMatch(/senha123|1234;|p3dr0/);
    expect(
      users
        .trim()
        .split('\n')
        .map((l) => l.split(';')[0]),
    ).toEqual(['joao', 'maria', 'pedro']);
    // The originals are kept.
    expect(await readFile(path.join(s.dataDir, 'backup-legacy', 'usuarios.txt'), 'utf8')).toContain('maria;senha123');
    expect((await login(s.url, 'maria', 'wrong')).res.status).toBe(401);
  });

  it('when maria logs in, then her undelivered offline messages arrive, in order', async () => {
    const s = await startOnSeed();
    const { device } = await login(s.url, 'maria', 'senha123');
    const res = await poll(device);
    // The stream from the oldest undelivered message on also holds what maria sent since (her own copy).
    const toMaria = messagesOf(res.events).filter((m) => m.to === 'maria');
    expect(toMaria.map((m) => [m.from, m.content])).toEqual([
      ['joao', 'ola, tudo bem?'],
      ['pedro', 'vamos ao cinema amanha?'],
    ]);
  });

  it('when asking for history, then the old lines are shown, with the unescaped ; recovered', async () => {
    const s = await startOnSeed();
    const { device } = await login(s.url, 'joao', '1234');
    const res = await device.get('/api/history').expect(200);
    const rows = res.body.messages.map((m: Message) => [m.sentAt, m.from, m.to, m.content, m.status]);
    expect(rows).toEqual([
      ['2025-03-10T14:22:05.000Z', 'joao', 'maria', 'ola, tudo bem?', 'sent'],
      ['2025-03-10T14:25:41.000Z', 'maria', 'joao', 'tudo sim; e voce?', 'delivered'],
      ['2025-03-11T10:15:00.000Z', 'joao', 'pedro', 'oi pedro', 'delivered'],
    ]);
  });

  it('when old names have capitals, then they fold like new ones and the history comes along', async () => {
    const s = await startOnSeed(async (dir) => {
      await writeFile(path.join(dir, 'usuarios.txt'), 'joao;1234\nCarla;segredo\n');
      await writeFile(path.join(dir, 'historico', 'history_Carla.txt'), '[2025-03-12 08:00:00] Carla -> joao: bom dia\n');
      await writeFile(path.join(dir, 'mensagens.txt'), 'Carla;joao;bom dia;2025-03-12 08:00:00;1\n');
    });
    const { device, res } = await login(s.url, 'CARLA', 'segredo');
    expect(res.body.user.username).toBe('carla');
    const history = await device.get('/api/history').expect(200);
    expect(history.body.messages.map((m: Message) => [m.from, m.to, m.content])).toEqual([['carla', 'joao', 'bom dia']]);
    expect(await readdir(path.join(s.dataDir, 'historico'))).toContain('history_carla.txt');
    expect(await readdir(path.join(s.dataDir, 'historico'))).not.toContain('history_Carla.txt');
  });

  it('when restarted after the import, then nothing is imported twice', async () => {
    const s = await startOnSeed();
    await s.stop();
    const again = await servers.start({ dataDir: s.dataDir });
    const { device } = await login(again.url, 'joao', '1234');
    const res = await device.get('/api/history').expect(200);
    expect(res.body.messages).toHaveLength(3);
  });
});
