/**
 * Moves a Papo installation between stores (issue #5, docs/postgres.md):
 *
 *   npm run migrate-data -- --from ./data --to postgres://user@host/db     text folder -> PostgreSQL
 *   npm run export-data  -- --from postgres://user@host/db --to ./data2    PostgreSQL -> text folder
 *
 * Stop the servers first. Importing is idempotent and resumable: run it again after an interruption and it
 * copies only what is missing. A folder left by the old Python system is converted on the way, as a first
 * start of the text store would (originals kept in backup-legacy/).
 */
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { SingleBar } from 'cli-progress';
import { createLogger } from '../api/logger.js';
import type { CopyProgress } from '../api/store/migrate/copy-progress.js';
import { exportToTextFolder } from '../api/store/migrate/postgres-to-text.js';
import { importTextFolder } from '../api/store/migrate/text-to-postgres.js';

const HELP = `usage: npm run migrate-data -- --from <data folder> --to <postgres://...>
       npm run export-data  -- --from <postgres://...> --to <new folder>

Copies a Papo installation between its two stores, keeping everything it holds: accounts, messages with
their edits, deletes, hides and replies, receipts, attachments (their bytes and previews), blocks and the
messages they withheld, profiles and photos, sessions, push subscriptions with the VAPID keys, and the ids
and cursors the phones hold. Stop the servers first. A copy that fails leaves nothing usable behind: a
database it stopped in says so and is refused until the copy is run again; a folder is made whole or not at all.

  --from <folder | URL>   what to copy: a data folder (Papo's, or the old system's, converted on the way)
                          or a PostgreSQL database holding Papo's data; it must exist and is never created
  --to <URL | folder>     where to: a PostgreSQL database (created tables, resumable, a second run copies
                          nothing) or a new, empty folder
  --no-progress           no progress bar on standard error
  -h, --help              this text
`;

const isUrl = (s: string) => /^postgres(ql)?:\/\//.test(s);

function fail(message: string, code = 1): never {
  process.stderr.write(`migrate-data: ${message}\n`);
  process.exit(code);
}

function parse(): { from?: string | undefined; to?: string | undefined; 'no-progress'?: boolean | undefined; help?: boolean | undefined } {
  try {
    return parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'no-progress': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    return fail(`${(err as Error).message} (see --help)`, 2);
  }
}

async function main(): Promise<void> {
  const values = parse();
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const { from, to } = values;
  if (!from || !to) fail('--from and --to are required (see --help)', 2);
  if (isUrl(from) === isUrl(to)) fail('one side must be a postgres:// URL and the other a data folder (see --help)', 2);
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr });
  const bar = new SingleBar({
    format: '{phase} [{bar}] {percentage}% | {value}/{total} | {duration}s',
    stream: process.stderr,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 2000,
  });
  let started = false;
  const progress = (phase: string): CopyProgress =>
    values['no-progress']
      ? {}
      : {
          onProgress: (done, total) => {
            if (!started) {
              bar.start(total, 0, { phase });
              started = true;
            }
            bar.setTotal(total);
            bar.update(done);
          },
        };
  try {
    if (isUrl(to)) {
      const cost = Number(process.env.BCRYPT_COST ?? 10);
      const result = await importTextFolder(from, to, log, (plain) => bcrypt.hash(plain, cost), progress('history bytes'));
      if (started) bar.stop();
      process.stdout.write(`imported ${from}: ${result.users} users, ${result.inserted} new history records (data set ${result.epoch})\n`);
    } else {
      const result = await exportToTextFolder(from, to, log, progress('events'));
      if (started) bar.stop();
      process.stdout.write(
        `exported to ${to}: ${result.users} users, ${result.records} history records, ${result.attachments} attachments (data set ${result.epoch})\n`,
      );
    }
  } catch (err) {
    if (started) bar.stop();
    fail((err as Error).message);
  }
}

// Whatever escapes is still one line, never a stack trace (issue #19, item 13).
await main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
