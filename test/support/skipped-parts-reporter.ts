import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

const CHROMIUM = '/usr/bin/chromium';

/** Where a test file sits, from the repo root, with forward slashes. */
function relative(moduleId: string): string {
  return path.relative(process.cwd(), moduleId).split(path.sep).join('/');
}

/** Files whose describe.each(STORES) makes a PostgreSQL twin of each test only when DATABASE_URL is set. */
function storeParameterised(moduleId: string): boolean {
  try {
    return readFileSync(moduleId, 'utf8').includes('describe.each(STORES)');
  } catch {
    return false;
  }
}

/**
 * One clear line per part of the suite that did not run, at the end of a run (issue #19, item 16): the
 * summary's "10 skipped" said nothing of the PostgreSQL tests that were never even made without DATABASE_URL.
 *
 * - PostgreSQL: the tests skipped for want of DATABASE_URL (test/postgres, or a suite that names PostgreSQL),
 *   and the PostgreSQL twins the store-parameterised files make only when it is set (as many as their text
 *   tests: each runs once per store).
 * - The browser: every test of test/e2e skipped because there is no Chromium.
 * - Anything else skipped, by file.
 */
export default class SkippedPartsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const noDatabase = !process.env.DATABASE_URL;
    let postgres = 0;
    let browser = 0;
    const other = new Map<string, number>();
    for (const module of testModules) {
      const file = relative(module.moduleId);
      const twins = noDatabase && storeParameterised(module.moduleId);
      for (const test of module.children.allTests()) {
        if (twins && test.result().state !== 'skipped') postgres += 1;
        if (test.result().state !== 'skipped') continue;
        if (file.startsWith('test/e2e/')) browser += 1;
        else if (noDatabase && (file.startsWith('test/postgres/') || /postgres/i.test(test.fullName))) postgres += 1;
        else other.set(file, (other.get(file) ?? 0) + 1);
      }
    }
    const lines: string[] = [];
    if (postgres > 0)
      lines.push(
        `skipped: ${postgres} PostgreSQL tests (DATABASE_URL not set; e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test, see README "Tests")`,
      );
    if (browser > 0)
      lines.push(
        `skipped: ${browser} browser tests (${existsSync(CHROMIUM) ? 'skipped by their files' : `no Chromium at ${CHROMIUM}; apt-get install chromium`})`,
      );
    for (const [file, n] of other) lines.push(`skipped: ${n} test${n === 1 ? '' : 's'} in ${file} (see the file for why)`);
    if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
