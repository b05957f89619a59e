/**
 * The command line of the benchmark and its tools: `--help` answers, and a wrong argument stops the program
 * with one plain line on stderr, never a stack trace (the house rule for every command-line tool).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Stops with `message` on stderr and exit status 2 (a usage error). */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/**
 * Parses this process's arguments against `options` (plus `--help`, which prints `help` and exits 0). An
 * unknown option, or more than `maxPositionals` positionals, fails with one line and the usage.
 */
export function commandLine<const O extends Options>(help: { usage: string; about: string }, options: O, maxPositionals: number) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: ${help.usage}\n\n${help.about}\n`);
    process.exit(0);
  }
  const parse = () => parseArgs({ args, allowPositionals: true, strict: true, options });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\nusage: ${help.usage}`);
  }
  if (parsed.positionals.length > maxPositionals) fail(`too many arguments: ${parsed.positionals.join(' ')}\nusage: ${help.usage}`);
  return parsed;
}

/** `text` as a whole number of at least `min`, `fallback` when it is absent; anything else fails, naming `what`. */
export function wholeNumber(text: string | undefined, what: string, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    fail(`${what} must be a whole number from ${min} up, not ${JSON.stringify(text)}`);
  }
  return n;
}
