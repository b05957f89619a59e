import path from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { servePwa } from './http/pwa-static.js';
import { createLogger } from './logger.js';
import { REPO_ROOT } from './repo-root.js';
import { startServer, type RunningServer } from './server.js';
import { database, startFailureLine } from './start-failure.js';
import { usesPostgres } from './store/open-store.js';

/**
 * The address a person can open: a server listening on every interface (0.0.0.0, ::) is reached at
 * localhost, which a browser opens and "0.0.0.0" is not (issue #19, item 16).
 */
function openableUrl(url: string): string {
  return url.replace(/^(https?:\/\/)(0\.0\.0\.0|\[::\])(?=:)/, '$1localhost');
}

const PWA_DIST = path.join(REPO_ROOT, 'pwa', 'dist');

/** `npm start`: read the configuration, open the store, listen, and shut down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${startFailureLine(err, {})}\n`);
    process.exit(1);
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  let running: RunningServer;
  try {
    running = await startServer(config, log, { pwa: servePwa(PWA_DIST) });
  } catch (err) {
    // One plain line on the terminal (issue #19, item 15); the stack only for whoever asks for it.
    log.debug({ err }, 'could not start');
    process.stderr.write(`${startFailureLine(err, config)}\n`);
    process.exit(1);
  }
  const data = usesPostgres(config) ? `PostgreSQL at ${database(config.DATABASE_URL)}` : config.DATA_DIR;
  const url = openableUrl(running.url);
  log.info({ url, data }, `Papo listening on ${url}, data in ${data}`);

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
