/**
 * What every browser test needs: the real server as a child process (the way `npm start` runs it), a built PWA,
 * Debian's Chromium driven by playwright-core, and people with their own browser contexts (issue #3).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/free-port.js';
import { buildServer, SERVER_BUNDLE } from '../../support/build-server.js';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');

/**
 * Whether this machine runs the browser tests. Without Chromium they are skipped, and say so; on CI they always
 * run, so a CI image without Chromium fails loudly in `launchChromium` instead of passing by skipping.
 */
export function e2eEnabled(): boolean {
  if (existsSync(CHROMIUM) || (process.env.CI && process.env.CI !== 'false')) return true;
  console.warn(`e2e: skipped, no Chromium at ${CHROMIUM}`);
  return false;
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function assertChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`e2e: CI is set but there is no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
}

export async function launchChromium(): Promise<Browser> {
  assertChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A browser with a real profile on disk. Contexts from `launchChromium` are incognito, and Chromium refuses to
 * install from incognito (`in-incognito`), so the installability check needs this one.
 */
export async function launchChromiumProfile(userDataDir: string, baseURL: string): Promise<BrowserContext> {
  assertChromium();
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    baseURL,
    viewport: { width: 360, height: 640 },
    locale: 'en-US',
    colorScheme: 'light',
  });
}

/** Builds pwa/dist when it is missing or stale; parallel test files wait on one build (ensure-built's lock). */
export function ensurePwaBuilt(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'pwa', 'scripts', 'ensure-built.mjs')], { cwd: ROOT, stdio: 'pipe' });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}

export interface PapoProcess {
  /** e.g. http://127.0.0.1:41234 (a secure context for Chromium, as installability needs). */
  url: string;
  dataDir: string;
  /**
   * Stops the server (SIGTERM, as a deploy would) and starts it again on the same port and data folder;
   * `whileStopped` runs in between (a test that damages a file).
   */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  /** Stops the server and deletes its data folder. */
  stop(): Promise<void>;
}

/**
 * Starts the server as `npm start` runs it (`node dist/papo.mjs`, built from api/ first) on a free port over
 * a fresh data folder and waits for /healthz. The server gets its own process group, so that stopping it
 * stops everything it started.
 */
export async function startPapo(): Promise<PapoProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'papo-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  try {
    child = await spawnPapo(port, dataDir, url);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    dataDir,
    async restart(whileStopped) {
      await stopProcess(child);
      await whileStopped?.();
      child = await spawnPapo(port, dataDir, url);
    },
    async stop() {
      await stopProcess(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function spawnPapo(port: number, dataDir: string, url: string): Promise<ChildProcess> {
  buildServer();
  const child = spawn(process.execPath, [SERVER_BUNDLE], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // The text store on this data folder, whatever DATABASE_URL the test run has.
      STORE: 'text',
      DATABASE_URL: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SESSION_SECRET: 'e2e-secret-that-is-long-enough-0123456789',
      BCRYPT_COST: '10',
      LOG_LEVEL: 'warn',
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForHealth(url, child, () => output);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return child;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`e2e: the server exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`e2e: the server did not answer /healthz within 25 s:\n${output()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const group = -child.pid;
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}
