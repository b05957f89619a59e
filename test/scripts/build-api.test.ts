import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../api/repo-root.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { tempDir } from '../support/server.js';

const run = promisify(execFile);
const defer = cleanupAfterEach();

/** Runs node with `args` in the repository, never throwing: its exit code, out and err. */
async function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: REPO_ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe("npm start's build of the server (scripts/build-api.mjs)", () => {
  it('when run, then dist/papo.mjs holds api/ and imports the packages from node_modules, with a source map beside it', async () => {
    const { code, stderr } = await node(['scripts/build-api.mjs']);
    expect(code, stderr).toBe(0);
    const bundle = await readFile(path.join(REPO_ROOT, 'dist', 'papo.mjs'), 'utf8');
    expect(bundle).toContain('// api/main.ts');
    expect(bundle).toMatch(/from "express"/);
    expect(bundle).toMatch(/\/\/# sourceMappingURL=papo\.mjs\.map\s*$/);
    expect((await stat(path.join(REPO_ROOT, 'dist', 'papo.mjs.map'))).size).toBeGreaterThan(0);
  });

  it('when asked for --help, then it prints its usage; given an argument, one plain line and exit 1', async () => {
    const help = await node(['scripts/build-api.mjs', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: node scripts\/build-api\.mjs/);
    const wrong = await node(['scripts/build-api.mjs', 'now']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toEqual(['build-api: takes no arguments (got now); see --help']);
  });

  it('when a module other than api/repo-root.ts reads import.meta, then the build refuses it, naming the file', async () => {
    const dir = await tempDir('papo-build-');
    defer(() => rm(dir, { recursive: true, force: true }));
    const entry = path.join(dir, 'where-am-i.ts');
    await writeFile(entry, 'export const here: string = new URL(".", import.meta.url).pathname;\n');
    const script =
      `import { buildApi } from ${JSON.stringify(path.join(REPO_ROOT, 'scripts', 'build-api.mjs'))};\n` +
      `await buildApi({ entry: ${JSON.stringify(entry)}, outfile: ${JSON.stringify(path.join(dir, 'out.mjs'))} })` +
      `.then(() => console.log('built'), (err) => console.log(err.errors.map((e) => e.text).join('; ')));`;
    const { stdout, stderr } = await node(['--input-type=module', '-e', script]);
    expect(stdout.trim(), stderr).toBe(
      `${path.relative(REPO_ROOT, entry)} reads import.meta: find files through REPO_ROOT (api/repo-root.ts) instead`,
    );
  });
});
