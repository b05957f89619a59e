import path from 'node:path';
import type { Config } from './config.js';

/**
 * Why Papo could not start, as the one plain line a person reads on the terminal: the cause, in the words of
 * what they set (DATA_DIR, PORT, DATABASE_URL), and what to do about it (issue #19, item 15). A JSON stack
 * trace tells a newcomer nothing they can act on; the stack stays available with LOG_LEVEL=debug.
 *
 * Errors that already say their cause and fix (a busy data folder, a damaged key file) pass through; the
 * others are told apart by their errno or PostgreSQL code.
 */
export function startFailureLine(err: unknown, config: StartSettings): string {
  const own = readable(err);
  return own === undefined ? `papo: cannot start: ${describe(err, config)}` : `papo: ${own}`;
}

/** The settings a failure line may name; none are known when the configuration itself was refused. */
type StartSettings = Partial<Pick<Config, 'DATA_DIR' | 'PORT' | 'HOST' | 'DATABASE_URL'>>;

interface SystemError {
  code?: string;
  path?: string;
  syscall?: string;
  message: string;
}

function asSystemError(err: unknown): SystemError {
  if (err instanceof Error) {
    const e = err as Error & Partial<SystemError>;
    return { code: typeof e.code === 'string' ? e.code : undefined, path: e.path, syscall: e.syscall, message: e.message };
  }
  return { message: String(err) };
}

/** The file or folder an error names, said relative to DATA_DIR when it is in it. */
function where(file: string, dataDir: string): string {
  const inData = path.relative(dataDir, file);
  if (inData === '') return `DATA_DIR (${dataDir})`;
  return inData.startsWith('..') || path.isAbsolute(inData) ? file : `${file} (in DATA_DIR)`;
}

function describe(err: unknown, config: StartSettings): string {
  const e = asSystemError(err);
  const dataDir = config.DATA_DIR ?? './data';
  const file = e.path ?? dataDir;
  switch (e.code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return (
        `${where(file, dataDir)}: a file is where a folder must be (DATA_DIR must name a folder, or a place to make one). ` +
        `Fix: point DATA_DIR at a folder, or move that file away.`
      );
    case 'EROFS':
      return `${where(file, dataDir)} is on a read-only file system. Fix: point DATA_DIR at a folder on a writable disk, or remount it read-write.`;
    case 'EACCES':
    case 'EPERM':
      if (e.syscall === 'listen' || e.syscall === 'bind')
        return `no permission to listen on port ${config.PORT}. Fix: choose a PORT above 1023 (and put a proxy in front for 80/443).`;
      return (
        `permission denied on ${where(file, dataDir)} (${e.syscall ?? 'access'}). ` +
        `Fix: run Papo as the user that owns DATA_DIR, or give that user the folder (chown -R <user> ${dataDir}; chmod 700 ${dataDir}).`
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left on the disk of ${where(file, dataDir)}. Fix: free some space (or raise the quota) and start again.`;
    case 'ENOENT':
      return `${file} does not exist. Fix: create it, or correct the setting that names it.`;
    case 'EADDRINUSE':
      return `port ${config.PORT} on ${config.HOST} is already in use (another Papo, or another program). Fix: stop it, or start with another PORT (PORT=3001 npm start).`;
    case 'EADDRNOTAVAIL':
      return `HOST ${config.HOST} is not an address of this machine. Fix: set HOST to one of its addresses, or 0.0.0.0 for all of them.`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
      return `cannot reach PostgreSQL at ${database(config.DATABASE_URL)} (${e.code}). Fix: start it, or correct DATABASE_URL.`;
    case '3D000':
      return (
        `the database of DATABASE_URL (${database(config.DATABASE_URL)}) does not exist. ` +
        `Fix: create it first (createdb, or CREATE DATABASE in psql); Papo makes its tables itself.`
      );
    case '28P01':
    case '28000':
      return `PostgreSQL refused the user or password of DATABASE_URL (${database(config.DATABASE_URL)}). Fix: correct DATABASE_URL.`;
    default:
      if (/PEM|certificate|private key/i.test(e.message) || e.code?.startsWith('ERR_OSSL'))
        return `TLS_CERT and TLS_KEY must be a PEM certificate and its key (${e.message}). Fix: give the files mkcert or your CA made.`;
      return `${e.message.split('\n').join(' ')} (LOG_LEVEL=debug npm start prints the details)`;
  }
}

/**
 * Errors made to be read (the configuration, a busy or damaged data folder, the key file) already say their
 * cause and fix: told apart by a name of their own, or the configuration's list of problems.
 */
function readable(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const problems = (err as Error & { problems?: unknown }).problems;
  if (Array.isArray(problems))
    return `invalid configuration: ${problems.map(String).join('; ')}. Fix: correct the variable and start again.`;
  // A class of Papo's own (DataFolderError, TokenKeyFileError, ...), not one of JavaScript's (TypeError: a bug).
  const own = err.name.endsWith('Error') && !(err.name in globalThis);
  return own ? err.message.split('\n').join(' ') : undefined;
}

/** host:port/database of a connection URL, never its password. */
export function database(url: string | undefined): string {
  if (!url) return 'DATABASE_URL (not set)';
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL (not a URL)';
  }
}
