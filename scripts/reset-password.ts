/**
 * `npm run reset-password -- <username>`: gives an account a new password, read from standard input (never
 * from the command line, where `ps` and the shell history would show it). The way out for an account the
 * server locked because its record is damaged (issue #15, docs/storage.md "A damaged account line"), and for
 * a forgotten password. It ends every session of that user.
 *
 * It uses the server's configuration (DATA_DIR, or STORE/DATABASE_URL for PostgreSQL). On the text store the
 * server must be stopped (the data folder's lock tells); on PostgreSQL it can run beside the servers.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { resetPassword } from '../api/accounts/reset-password.js';
import { ConfigError, loadConfig } from '../api/config.js';
import { AppError } from '../api/errors.js';
import { createLogger } from '../api/logger.js';
import { openStore, usesPostgres } from '../api/store/open-store.js';
import type { Store } from '../api/store/store.js';
import { DataFolderError } from '../api/store/text/data-lock.js';

const HELP = `usage: npm run reset-password -- <username> [--data-dir <folder>]

Sets a new password for an account and ends all of its sessions. The new password is read from
standard input (typed without echo at a terminal, or the first line of a pipe):

  read -rs PW && printf '%s\\n' "$PW" | npm run reset-password -- maria

A server that finds an account's line in usuarios.txt damaged keeps the name reserved and answers
423 account_locked to its logins: this command is how it comes back. It works on the store the
server is configured for (DATA_DIR, or STORE/DATABASE_URL for PostgreSQL). On the text store, stop
the server first.

  --data-dir <folder>   the data folder (default: DATA_DIR, or ./data)
  -h, --help            this text
`;

function fail(message: string, code = 1): never {
  process.stderr.write(`reset-password: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed: { values: { 'data-dir'?: string | undefined; help?: boolean | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({
      options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    fail(`${(err as Error).message} (see --help)`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const [username, ...extra] = positionals;
  if (username === undefined || extra.length > 0) fail('give exactly one username (see --help)', 2);

  let config;
  try {
    config = loadConfig({ ...process.env, ...(values['data-dir'] === undefined ? {} : { DATA_DIR: values['data-dir'] }) });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems.join('; '));
    throw err;
  }
  if (!usesPostgres(config) && !existsSync(config.DATA_DIR)) fail(`there is no data folder ${config.DATA_DIR}`);

  const password = await readPassword(`new password for ${username}: `);
  if (password === '') fail('no password given on standard input');

  // What the store would log (the locked accounts it found) is what this command is run about: it says its own one line.
  const log = createLogger({ level: 'silent' });
  const hash = (plain: string) => bcrypt.hash(plain, config.BCRYPT_COST);
  let store: Store | undefined;
  let failure: string | undefined;
  try {
    store = await openStore(config, log, hash);
    const name = await resetPassword(store.users, hash, username, password);
    process.stdout.write(`the password of ${name} was reset and its sessions ended; it can log in with the new password\n`);
  } catch (err) {
    failure =
      err instanceof DataFolderError || err instanceof AppError ? err.message : `could not reset the password: ${(err as Error).message}`;
  } finally {
    await store?.close().catch(() => undefined);
  }
  if (failure !== undefined) fail(failure);
}

/** A terminal gets a prompt and no echo; anything else gives the first line of its input. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return (text.split('\n')[0] ?? '').replace(/\r$/, '');
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  let value = '';
  return new Promise((resolve) => {
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\u0003') fail('cancelled', 130);
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.off('data', onData);
          stdin.pause();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        value = ch === '\u007f' || ch === '\b' ? [...value].slice(0, -1).join('') : value + ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

// Whatever escapes is still one line, never a stack trace (issue #19, item 13).
await main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
