import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/after-each.js';
import { freePort } from '../support/free-port.js';
import { buildServer, SERVER_BUNDLE } from '../support/build-server.js';
import { serverProcessesPerTest } from '../support/server-process.js';
import { TEST_SECRET, tempDir } from '../support/server.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const defer = cleanupAfterEach();
const servers = serverProcessesPerTest();

/** `npm start`'s server with `env`, run to its end; `wrap` runs it inside another command (unshare, setpriv). */
function startAndFail(env: Record<string, string>, wrap: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  buildServer();
  const [cmd, ...args] = [...wrap, process.execPath, SERVER_BUNDLE];
  const child = spawn(cmd ?? process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      STORE: 'text',
      DATABASE_URL: '',
      HOST: '127.0.0.1',
      PORT: '0',
      SESSION_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** The whole of what a refused start printed: one plain line, naming the cause and the fix; no JSON, no stack. */
function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, cause: RegExp): void {
  expect(result.code, result.stderr + result.stdout).toBe(1);
  // The log may have said what happened before (a key made, at info); never the failure as a JSON stack.
  expect(result.stdout).not.toMatch(/"stack"|"level":(50|60)/);
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines, result.stderr).toHaveLength(1);
  const line = lines[0] ?? '';
  expect(line).toMatch(/^papo: /);
  expect(line).toMatch(cause);
  expect(line).toMatch(/Fix: /);
  expect(line).not.toMatch(/[{}]|\n\s+at /);
}

async function folder(): Promise<string> {
  const dir = await tempDir('papo-start-');
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Whether this machine lets a test mount a read-only tmpfs in a mount namespace of its own (as full-disk does). */
const noMount = (() => {
  const probe = spawnSync('sh', [
    '-c',
    'd=$(mktemp -d) && unshare --mount --propagation private mount -t tmpfs -o ro,size=64k papo-probe "$d"; s=$?; rmdir "$d"; exit $s',
  ]);
  return probe.status === 0 ? undefined : String(probe.stderr).trim() || 'unshare/mount refused';
})();
if (noMount) console.warn(`start on a read-only file system: skipped, cannot mount here (${noMount})`);

describe('a start that cannot happen says why in one line (issue #19, item 15)', () => {
  it('when DATA_DIR names a file, then one line says a file is where the folder must be', async () => {
    const dir = await folder();
    await writeFile(path.join(dir, 'data'), 'not a folder');
    expectOneLine(await startAndFail({ DATA_DIR: path.join(dir, 'data') }), /a file is where a folder must be/);
  });

  it('when DATA_DIR is below a file, then one line says so too', async () => {
    const dir = await folder();
    await writeFile(path.join(dir, 'data'), 'not a folder');
    expectOneLine(await startAndFail({ DATA_DIR: path.join(dir, 'data', 'papo') }), /DATA_DIR .*a file is where a folder must be/);
  });

  it.skipIf(noMount !== undefined)('when DATA_DIR is on a read-only file system, then one line says read-only', async () => {
    const dir = await folder();
    const ro = path.join(dir, 'ro');
    await mkdir(ro);
    const wrap = [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs -o ro,size=64k papo-ro "$RO" && exec "$@"',
      'sh',
    ];
    expectOneLine(await startAndFail({ DATA_DIR: path.join(ro, 'data'), RO: ro }, wrap), /read-only file system/);
  });

  it('when DATA_DIR belongs to someone else, then one line says permission denied and how to give it', async () => {
    const dir = await folder();
    const data = path.join(dir, 'data');
    await mkdir(data, { mode: 0o700 });
    let wrap: string[] = [];
    if (process.getuid?.() === 0) {
      // root reads every folder: run the server as nobody, on a folder that is root's alone.
      await chmod(dir, 0o755);
      wrap = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    } else {
      await chmod(data, 0o000);
      defer(() => chmod(data, 0o700));
    }
    expectOneLine(await startAndFail({ DATA_DIR: data, HOME: dir }, wrap), /permission denied on .*chown/);
  });

  it('when the port is taken, then one line names it and says to choose another', async () => {
    const dir = await folder();
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    expectOneLine(
      await startAndFail({ DATA_DIR: path.join(dir, 'data'), PORT: String(port) }),
      new RegExp(`port ${port} on 127.0.0.1 is already in use`),
    );
  });

  it('when the configuration has two bad values, then both are on the one line', async () => {
    const dir = await folder();
    const result = await startAndFail({ DATA_DIR: path.join(dir, 'data'), PORT: 'abc', BCRYPT_COST: '3' });
    expectOneLine(result, /invalid configuration: PORT .*; BCRYPT_COST /);
  });

  it('when the TLS files are not PEM, then one line says what they must be', async () => {
    const dir = await folder();
    await writeFile(path.join(dir, 'cert.pem'), 'not a certificate');
    const result = await startAndFail({
      DATA_DIR: path.join(dir, 'data'),
      TLS_CERT: path.join(dir, 'cert.pem'),
      TLS_KEY: path.join(dir, 'cert.pem'),
    });
    expectOneLine(result, /TLS_CERT and TLS_KEY must be a PEM certificate/);
  });
});

describe('the start line (issue #19, item 16)', () => {
  it('when listening on every interface, then it prints an address a browser opens', async () => {
    const server = await servers.start({ env: { HOST: '0.0.0.0', LOG_LEVEL: 'info' } });
    expect(server.stdout).toContain(`Papo listening on http://localhost:${server.options.port}`);
  });
});
