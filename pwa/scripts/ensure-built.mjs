#!/usr/bin/env node
// Builds the PWA when pwa/dist is missing or older than any of its sources, so `npm start` and the e2e tests
// never serve a stale app and never pay for a build they do not need. Safe to run from several processes at
// once (parallel test files): one builds, the others wait for it and then find the build up to date.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST_MARKER = path.join(ROOT, 'pwa', 'dist', 'index.html');
// package-lock.json too: a new Preact or Vite changes the output as much as an edited component does.
const SOURCES = [
  'pwa/src',
  'pwa/index.html',
  'pwa/public',
  'pwa/vite.config.ts',
  'pwa/scripts/size-budget.ts',
  'api/contract.ts',
  'package-lock.json',
];
// Outside the repo, so a crash never leaves a file for git to see; one lock per checkout.
const LOCK = path.join(tmpdir(), `papo-pwa-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
const STALE_LOCK_MS = 5 * 60_000;

/** Newest modification time under `target` (a file or a folder), 0 when it does not exist. */
function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

function isUpToDate() {
  if (!existsSync(DIST_MARKER)) return false;
  const built = statSync(DIST_MARKER).mtimeMs;
  return SOURCES.every((source) => newestMtime(path.join(ROOT, source)) <= built);
}

async function withLock(action) {
  for (;;) {
    try {
      mkdirSync(LOCK); // atomic: exactly one process gets it
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return action();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

const status = await withLock(() => {
  if (isUpToDate()) {
    console.log('pwa: build is up to date (pwa/dist)');
    return 0;
  }
  console.log('pwa: building (pwa/dist is missing or older than its sources)');
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  // NODE_ENV decides import.meta.env.PROD; callers such as vitest set it to `test`, which would build an app
  // that never registers its service worker.
  const env = { ...process.env, NODE_ENV: 'production' };
  const result = spawnSync(process.execPath, [vite, 'build', '--config', 'pwa/vite.config.ts'], { cwd: ROOT, env, stdio: 'inherit' });
  return result.status ?? 1;
});
process.exit(status);
