import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../api/repo-root.js';

/** What `npm start` runs, from the repository's root. */
export const SERVER_BUNDLE = 'dist/papo.mjs';

let built = false;
/**
 * `npm start`'s build of the server (scripts/build-api.mjs: api/main.ts bundled into dist/papo.mjs), once a
 * process, from the sources as they are: for the tests that start the real server and for the benchmark.
 * Processes building at once are safe: the script renames a whole file into place.
 */
export function buildServer(): void {
  if (built) return;
  const result = spawnSync(process.execPath, ['scripts/build-api.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`could not build ${SERVER_BUNDLE}: ${(result.stderr || result.stdout).trim()}`);
  built = true;
}
