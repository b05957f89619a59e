import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { specAgent } from '../support/contract.js';
import { freePort } from '../support/free-port.js';
import { tempDir } from '../support/server.js';
import { poll, send, signUp } from '../support/users.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** `npm start` as it runs in production: the real entry point in its own process. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', STORE: 'text', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = async () => {
    // Generous: on a loaded 2-core machine tsx's first compile alone can take many seconds.
    for (let i = 0; i < 1200 && !out.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 50));
    return out;
  };
  return { child, exited, listening, output: () => ({ out, err }) };
}

// Each test starts real processes: allow for a loaded machine.
describe('api/main.ts (npm start)', { timeout: 120_000 }, () => {
  it('when a setting is invalid, then it stops with a clear message naming it, and no stack trace', async () => {
    const p = startMain({ PORT: 'eighty', BCRYPT_COST: '4', DATA_DIR: await tempDir() });
    expect(await p.exited).toBe(1);
    const { err } = p.output();
    expect(err).toMatch(/invalid configuration/);
    expect(err).toMatch(/PORT must be a whole number from 0 to 65535 \(got "eighty"\)/);
    expect(err).toMatch(/BCRYPT_COST must be a whole number from 10 to 15/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('when started, then one line says where it listens and where its data is; SIGTERM answers held polls and exits 0', async () => {
    const dataDir = await tempDir();
    dirs.push(dataDir);
    const port = await freePort();
    const p = startMain({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, BCRYPT_COST: '10' });
    const out = await p.listening();
    expect(out).toContain(`Papo listening on http://127.0.0.1:${port}, data in ${dataDir}`);
    expect(out).toContain(`generated one and kept it in ${dataDir}/session-secret.txt`);
    const url = `http://127.0.0.1:${port}`;
    const a = await signUp(url, 'quinn');
    const b = await signUp(url, 'rosa');
    const { cursor } = await poll(b);
    const t0 = Date.now();
    const held = poll(b, cursor, 30);
    await new Promise((r) => setTimeout(r, 200));
    p.child.kill('SIGTERM');
    expect(await held).toEqual({ events: [], cursor });
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(await p.exited).toBe(0);
    void a;
  });

  it('when the data folder is in use by a live server, then a second one refuses to start, saying so', async () => {
    const dataDir = await tempDir();
    dirs.push(dataDir);
    const first = startMain({ PORT: String(await freePort()), HOST: '127.0.0.1', DATA_DIR: dataDir });
    await first.listening();
    const second = startMain({ PORT: String(await freePort()), HOST: '127.0.0.1', DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.output().err).toMatch(/already using the data folder/);
  });

  it('when killed with -9 right after a 201, then the message is there after a restart', async () => {
    const dataDir = await tempDir();
    dirs.push(dataDir);
    const port = await freePort();
    const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, SESSION_SECRET: 'x'.repeat(40) };
    const first = startMain(env);
    await first.listening();
    const url = `http://127.0.0.1:${port}`;
    const a = await signUp(url, 'sara');
    await signUp(url, 'tito');
    const m = await send(a, 'tito', 'survives kill -9');
    first.child.kill('SIGKILL');
    await first.exited;
    const second = startMain(env);
    await second.listening();
    const tito = specAgent(url);
    await tito.post('/api/session').send({ username: 'tito', password: 'correct horse battery' }).expect(200);
    const got = await poll(tito);
    expect(got.events.map((e) => (e.type === 'message' ? e.message.id : e.id))).toContain(m.id);
  });
});
