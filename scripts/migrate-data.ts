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
import { exportToTextFolder, importTextFolder, type CopyProgress } from '../api/store/postgres/data-copy.js';

const isUrl = (s: string) => /^postgres(ql)?:\/\//.test(s);

function usage(message: string): never {
  process.stderr.write(
    `migrate-data: ${message}\nusage: npm run migrate-data -- --from <data folder | postgres://...> --to <postgres://... | new folder>\n`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { from: { type: 'string' }, to: { type: 'string' }, 'no-progress': { type: 'boolean' } },
    strict: true,
  });
  const { from, to } = values;
  if (!from || !to) usage('--from and --to are required');
  if (isUrl(from) === isUrl(to)) usage('one side must be a postgres:// URL and the other a data folder');
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
      process.stdout.write(`exported to ${to}: ${result.users} users, ${result.records} history records (data set ${result.epoch})\n`);
    }
  } catch (err) {
    if (started) bar.stop();
    process.stderr.write(`migrate-data: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

await main();
