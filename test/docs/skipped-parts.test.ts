import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The end of a test run says which parts did not run and why (issue #19, item 16). */
describe('the skipped-parts line at the end of a run', () => {
  it('when DATABASE_URL is not set, then one line counts the PostgreSQL tests: the skipped ones and the twins never made', async () => {
    const { stdout } = await run(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--project', 'node', 'test/postgres/ordering.test.ts', 'test/postgres/metrics.test.ts'],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: '', NO_COLOR: '1' }, timeout: 120_000 },
    );
    // ordering.test.ts: 3 tests, skipped without a database; metrics.test.ts: 1 test per store, so 1 twin.
    expect(stdout.split('\n').filter((l) => l.startsWith('skipped: '))).toEqual([
      'skipped: 4 PostgreSQL tests (DATABASE_URL not set; e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test, see README "Tests")',
    ]);
  }, 150_000);
});
