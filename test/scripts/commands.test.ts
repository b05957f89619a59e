import { execFile } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../api/repo-root.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { BASE_DATABASE_URL, createTestSchema, dropTestSchema } from '../support/postgres.js';
import { tempDir } from '../support/server.js';

const run = promisify(execFile);
const defer = cleanupAfterEach();

/** Runs a command as `npm run <name> -- ...` would (tsx on the script), never throwing: its exit code, out and err. */
async function command(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', `scripts/${script}.ts`, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: path.join(REPO_ROOT, 'no-such-data-dir'), STORE: 'text' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const SCRIPTS = ['migrate-data', 'repair-format', 'reset-password'] as const;

/** One plain line on standard error, naming the command: never a stack trace. */
function expectOneLine(stderr: string, script: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${script}: `));
  expect(stderr).not.toMatch(/\n\s+at /);
}

async function emptyFolder(): Promise<string> {
  const dir = await tempDir('papo-commands-');
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('the commands (issue #19, item 13)', () => {
  for (const script of SCRIPTS) {
    for (const flag of ['--help', '-h']) {
      it(`when ${script} is run with ${flag}, then it prints its usage and exits 0`, async () => {
        const { code, stdout, stderr } = await command(script, [flag]);
        expect(code, stderr).toBe(0);
        expect(stdout).toMatch(/^usage: npm run /);
        expect(stdout).toContain('-h, --help');
        expect(stderr).toBe('');
      });
    }

    it(`when ${script} is given an option it does not know, then it says so in one line and exits 2`, async () => {
      const { code, stderr } = await command(script, ['--no-such-option']);
      expect(code).toBe(2);
      expectOneLine(stderr, script);
      expect(stderr).toContain('--no-such-option');
    });
  }
});

describe('migrate-data --from (issue #19, item 14)', () => {
  it('when --from names a folder that does not exist, then it is an error in one line and no folder is created', async () => {
    const parent = await emptyFolder();
    const missing = path.join(parent, 'nodata');
    const { code, stdout, stderr } = await command('migrate-data', ['--from', missing, '--to', 'postgres://127.0.0.1:1/none']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expectOneLine(stderr, 'migrate-data');
    expect(stderr).toContain(`there is no folder ${missing}`);
    expect(await readdir(parent)).toEqual([]);
  });

  it('when --from is an empty folder, then it is an error and the folder stays empty', async () => {
    const dir = await emptyFolder();
    const { code, stderr } = await command('migrate-data', ['--from', dir, '--to', 'postgres://127.0.0.1:1/none']);
    expect(code).toBe(1);
    expectOneLine(stderr, 'migrate-data');
    expect(stderr).toContain('holds no Papo data and no data of the old system');
    expect(await readdir(dir)).toEqual([]);
  });

  it('when --from is a file, then it is an error in one line', async () => {
    const dir = await emptyFolder();
    const file = path.join(dir, 'notes.txt');
    await writeFile(file, 'hello\n');
    const { code, stderr } = await command('migrate-data', ['--from', file, '--to', 'postgres://127.0.0.1:1/none']);
    expect(code).toBe(1);
    expectOneLine(stderr, 'migrate-data');
    expect(stderr).toContain('is not a folder');
  });
});

describe.skipIf(!BASE_DATABASE_URL)('export-data --from (issue #19, item 14)', () => {
  it('when --from is a database without Papo data, then it is an error and the --to folder is not created', async () => {
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    const parent = await emptyFolder();
    const to = path.join(parent, 'export');
    const { code, stderr } = await command('migrate-data', ['--from', url, '--to', to]);
    expect(code).toBe(1);
    expectOneLine(stderr, 'migrate-data');
    expect(stderr).toContain('holds no Papo data');
    expect(await readdir(parent)).toEqual([]);
  });
});
