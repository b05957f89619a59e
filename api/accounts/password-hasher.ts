import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { REPO_ROOT } from '../repo-root.js';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * bcrypt on a pool of worker threads sized to the cores (issue #2: "while logins hash, messages keep
 * flowing"). The pool keeps one core's worth of threads fewer than the machine so the event loop keeps one.
 */
export function createPasswordHasher(cost: number): PasswordHasher {
  const pool = new Piscina({
    filename: pathToFileURL(path.join(REPO_ROOT, 'api', 'accounts', 'hash-worker.mjs')).href,
    minThreads: 1,
    maxThreads: Math.max(1, os.availableParallelism() - 1),
    idleTimeout: 60_000,
  });
  return {
    hash: (password) => pool.run({ op: 'hash', password, cost }) as Promise<string>,
    verify: (password, hash) => pool.run({ op: 'compare', password, hash }) as Promise<boolean>,
    close: () => pool.destroy(),
  };
}
