import { createLogger, type Logger } from '../../api/logger.js';

/** One line the code under test logged, parsed: pino's level number, the message and its fields. */
export interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A logger whose every line is kept, for tests that check what was reported (and what never was). */
export interface CapturedLog {
  logger: Logger;
  /** Every line so far, parsed, in the order written. */
  entries: LogEntry[];
  /** Everything so far as written: for "this secret appears nowhere in the log". */
  text(): string;
}

export function captureLog(level = 'info'): CapturedLog {
  const lines: string[] = [];
  const entries: LogEntry[] = [];
  const destination = {
    // Split, not taken whole: a write that smuggled a newline in shows as the lines a reader would see.
    write(chunk: string) {
      lines.push(chunk);
      for (const line of chunk.split('\n')) if (line !== '') entries.push(JSON.parse(line) as LogEntry);
    },
  };
  return {
    logger: createLogger({ level, destination: destination as unknown as NodeJS.WritableStream }),
    entries,
    text: () => lines.join(''),
  };
}
