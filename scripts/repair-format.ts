/**
 * `npm run repair-format -- --data-dir ./data`: gives back papo-format.txt to a data folder of Papo that lost
 * it (issue #15, docs/storage.md "When papo-format.txt is missing"). It checks that the folder really holds
 * Papo's records, then writes the file with a new data-set identity (epoch): every device's cursor from
 * before is answered 410 once and the app reloads. Stop the server first (the folder's lock tells).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DataFolderError, lockDataFolder } from '../api/store/text/data-lock.js';
import { dataLayout } from '../api/store/text/data-layout.js';
import { nodeDisk } from '../api/store/text/disk.js';
import { repairFormat } from '../api/store/text/folder-format.js';

const HELP = `usage: npm run repair-format -- --data-dir <folder>

Writes a new papo-format.txt for a Papo data folder that lost it. Papo refuses to start on such a
folder rather than guess; this command checks that the folder holds Papo's own records (journal,
sessions, checksummed accounts, messages or histories) and writes the file with a new data-set
identity: each device reloads once. Nothing else in the folder is changed. Stop the server first.

  --data-dir <folder>   the data folder (default: DATA_DIR, or ./data)
  -h, --help            this text
`;

function fail(message: string, code = 1): never {
  process.stderr.write(`repair-format: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values: { 'data-dir'?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    fail(`${(err as Error).message} (see --help)`, 2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const dir = path.resolve(values['data-dir'] ?? process.env.DATA_DIR ?? './data');
  if (!existsSync(dir)) fail(`there is no folder ${dir}`);
  try {
    const unlock = await lockDataFolder(dir);
    try {
      const result = await repairFormat(nodeDisk, dir);
      process.stdout.write(
        result.kind === 'present'
          ? `${dir} already has its papo-format.txt (data set ${result.epoch}): nothing to do\n`
          : `wrote ${dataLayout(dir).format} (new data set ${result.epoch}); start the server: each device reloads once\n`,
      );
    } finally {
      await unlock();
    }
  } catch (err) {
    if (err instanceof DataFolderError) fail(err.message);
    fail(`could not repair ${dir}: ${(err as Error).message}`);
  }
}

// Whatever escapes is still one line, never a stack trace (issue #19, item 13).
await main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
