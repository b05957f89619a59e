import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { TextStore, type TextStoreOptions } from '../../../api/store/text/text-store.js';
import { captureLog, type LogEntry } from '../../support/log.js';

/** A log line the store wrote, parsed. */
export type LogLine = LogEntry;

/** Opens a text store on `dataDir` with its log captured; no HTTP, no bcrypt (the hash is a fixed string). */
export async function openStore(dataDir: string, extra: Partial<TextStoreOptions> = {}): Promise<{ store: TextStore; logs: LogLine[] }> {
  const log = captureLog();
  const store = await TextStore.open({
    dataDir,
    log: log.logger,
    hashPassword: async (p) => `plain:${p}`,
    sessionTtlMs: 86_400_000,
    ...extra,
  });
  return { store, logs: log.entries };
}

export const HASH = '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234';

/** Puts a session in the store and waits until it is on disk. */
export function putSession(store: TextStore, sid: string, username: string): Promise<void> {
  const data = {
    cookie: { originalMaxAge: 86_400_000, expires: new Date(Date.now() + 86_400_000) },
    username,
    loggedInAt: Date.now(),
  };
  return store.sessions.set(sid, data);
}

/** Every file of a data folder (relative path -> bytes), the lock file aside. */
export async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await fsp.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    if (rel === 'papo.pid') continue;
    out.set(rel, await fsp.readFile(full));
  }
  return out;
}

/** Makes the folder hold exactly `files` again, with the modes the store gives them (0600, folders 0700). */
export async function restore(dir: string, files: Map<string, Buffer>): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [rel, bytes] of files) {
    await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true, mode: 0o700 });
    await fsp.writeFile(path.join(dir, rel), bytes, { mode: 0o600 });
  }
}

/** Byte offsets where each line of a file starts, plus its length at the end. */
export function lineStarts(buf: Buffer): number[] {
  const starts = [0];
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) starts.push(i + 1);
  if (starts.at(-1) !== buf.length) starts.push(buf.length);
  return starts;
}
