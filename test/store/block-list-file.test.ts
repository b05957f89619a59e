import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockListFile } from '../../api/store/text/block-list-file.js';
import { encodeRecord } from '../../api/store/text/codec.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { tempDir } from '../support/server.js';

const defer = cleanupAfterEach();
const AT = new Date('2026-12-07T06:00:00.000Z');

async function fileIn(): Promise<string> {
  return path.join(await tempDir('papo-blocks-'), 'bloqueios.txt');
}

async function open(file: string): Promise<BlockListFile> {
  const blocks = await BlockListFile.open(file, () => AT);
  defer(() => blocks.close());
  return blocks;
}

describe('bloqueios.txt (BlockListFile, issue #17)', () => {
  it('when people are blocked and unblocked, then the file holds one line per change, 0600, and a reopen keeps only the live blocks', async () => {
    const file = await fileIn();
    const blocks = await open(file);
    expect(await blocks.block('maria', 'joao')).toBe(true);
    expect(await blocks.block('maria', 'joao')).toBe(false);
    await blocks.block('maria', 'ana');
    await blocks.unblock('maria', 'ana');
    expect(await readFile(file, 'utf8')).toBe(
      encodeRecord(['b', 'maria', 'joao', AT.toISOString()]) +
        encodeRecord(['b', 'maria', 'ana', AT.toISOString()]) +
        encodeRecord(['u', 'maria', 'ana']),
    );
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await blocks.close();

    const again = await open(file);
    expect(await again.list('maria')).toEqual([{ username: 'joao', at: AT.toISOString() }]);
    expect(again.has('maria', 'joao')).toBe(true);
    expect(again.has('joao', 'maria')).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(encodeRecord(['b', 'maria', 'joao', AT.toISOString()]));
  });

  it('when the file ends in a torn line (a write cut by a crash, never acknowledged), then it is dropped and the blocks before it hold', async () => {
    const file = await fileIn();
    await writeFile(file, encodeRecord(['b', 'maria', 'joao', AT.toISOString()]) + 'b;maria;an', { mode: 0o600 });
    const blocks = await open(file);
    expect(await blocks.list('maria')).toEqual([{ username: 'joao', at: AT.toISOString() }]);
    expect(blocks.loadReport.tornBytes).toBe(Buffer.byteLength('b;maria;an'));
  });

  it('when a line in the middle is damaged, then the store refuses to open rather than forget a block', async () => {
    const file = await fileIn();
    const good = encodeRecord(['b', 'maria', 'joao', AT.toISOString()]);
    await writeFile(file, good.replace('joao', 'jo4o') + encodeRecord(['b', 'maria', 'ana', AT.toISOString()]), { mode: 0o600 });
    await expect(BlockListFile.open(file, () => AT)).rejects.toThrow(/bloqueios\.txt line 1 is damaged/);
    // Nothing was rewritten: the damaged line is still there for the operator.
    await appendFile(file, '');
    expect(await readFile(file, 'utf8')).toContain('jo4o');
  });
});
