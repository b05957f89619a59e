import path from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { servePwa } from './http/pwa-static.js';
import { createLogger } from './logger.js';
import { REPO_ROOT, startServer, type RunningServer } from './server.js';
import { usesPostgres } from './store/open-store.js';
import { DataFolderError } from './store/text/data-lock.js';
import { TokenKeyFileError } from './store/text/token-key-file.js';

/** host:port/database of a connection URL, never its password. */
function describeDatabase(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

const PWA_DIST = path.join(REPO_ROOT, 'pwa', 'dist');

/** `npm start`: read the configuration, open the store, listen, and shut down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`papo: ${err.message}\n`);
    process.exit(1);
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  let running: RunningServer;
  try {
    running = await startServer(config, log, { pwa: servePwa(PWA_DIST) });
  } catch (err) {
    if (
      err instanceof DataFolderError ||
      err instanceof TokenKeyFileError ||
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ||
      (err as NodeJS.ErrnoException).code === 'EACCES'
    ) {
      process.stderr.write(`papo: ${(err as Error).message}\n`);
    } else {
      log.fatal({ err }, 'could not start');
    }
    process.exit(1);
  }
  const data = usesPostgres(config) ? `PostgreSQL at ${describeDatabase(config.DATABASE_URL ?? '')}` : config.DATA_DIR;
  log.info({ url: running.url, data }, `Papo listening on ${running.url}, data in ${data}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: answering held polls, finishing writes');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
