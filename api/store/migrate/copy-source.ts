import { promises as fsp } from 'node:fs';
import { dataLayout } from '../text/data-layout.js';
import { classifyUnmarkedFolder } from '../text/folder-format.js';

/** A `--from` that names nothing to copy (issue #19, item 14): said in one line, and nothing is created. */
export class CopySourceError extends Error {
  override name = 'CopySourceError';
}

/**
 * Checks that `dir` is a data folder worth copying before the text store opens it: opening creates what is
 * missing (a folder, a new data set), so a mistyped `--from` would "succeed" with 0 users and leave an empty
 * data folder behind. A folder with papo-format.txt, or one holding the old system's files, passes; a missing
 * folder, a file, or a folder that holds neither is refused. What else a folder may hold (damage, a missing
 * papo-format.txt beside Papo's records) the text store itself refuses when it opens it.
 */
export async function checkTextSource(dir: string): Promise<void> {
  const stat = await fsp.stat(dir).catch(() => undefined);
  if (stat === undefined) throw new CopySourceError(`there is no folder ${dir}: check --from (nothing was created)`);
  if (!stat.isDirectory()) throw new CopySourceError(`${dir} is not a folder: --from takes a data folder`);
  const marked = await fsp.access(dataLayout(dir).format).then(
    () => true,
    () => false,
  );
  if (marked) return;
  if ((await classifyUnmarkedFolder(dir)).kind === 'empty') {
    throw new CopySourceError(`${dir} holds no Papo data and no data of the old system: check --from`);
  }
}

/** A connection string without its password, for a message. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'given';
  }
}
