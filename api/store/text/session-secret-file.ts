import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { writeDurably, type Disk } from './disk.js';

/**
 * `session-secret.txt`: the cookie-signing secret when SESSION_SECRET is not set (`SessionRepository.generatedSecret`),
 * made on the first start that needs one and kept, so a restart does not log every device out. A file that holds
 * less than a secret's worth of characters is replaced by a new secret.
 */
export async function readOrCreateSessionSecret(disk: Disk, file: string): Promise<{ secret: string; created: boolean }> {
  const existing = (await fsp.readFile(file, 'utf8').catch(() => '')).trim();
  if (existing.length >= 32) return { secret: existing, created: false };
  const secret = randomBytes(32).toString('base64url');
  await writeDurably(disk, file, `${secret}\n`);
  return { secret, created: true };
}
