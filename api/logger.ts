import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event (issue #6): a username or a message with newlines cannot forge a line, because
 * pino escapes every string. Passwords, session ids and message contents are never passed to the logger;
 * the redact paths are a second line of defence for objects logged whole.
 */
export function createLogger(options: { level: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: {
        paths: ['password', '*.password', 'content', '*.content', 'cookie', '*.cookie', 'req.headers.cookie'],
        censor: '[redacted]',
      },
    },
    options.destination ?? process.stdout,
  );
}
