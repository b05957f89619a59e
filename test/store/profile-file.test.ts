import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../api/store/text/codec.js';
import { ProfileFile } from '../../api/store/text/profile-file.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { tempDir } from '../support/server.js';

const defer = cleanupAfterEach();

async function fileIn(): Promise<string> {
  const dir = await tempDir('papo-profiles-');
  return path.join(dir, 'perfis.txt');
}

async function open(file: string): Promise<ProfileFile> {
  const profiles = await ProfileFile.open(file);
  defer(() => profiles.close());
  return profiles;
}

describe('perfis.txt (ProfileFile)', () => {
  it('when settings change and last seen is recorded, then the file holds exactly one line per change, and a reopen compacts it', async () => {
    const file = await fileIn();
    const profiles = await open(file);
    await profiles.update('maria', { displayName: 'Maria; a "quoted" name' });
    await profiles.update('maria', { lastSeenVisibility: 'nobody' });
    await profiles.recordLastSeen(new Map([['maria', 1_765_000_000_000]]));
    await profiles.recordLastSeen(new Map([['maria', 1_764_000_000_000]])); // older: ignored
    expect(await readFile(file, 'utf8')).toBe(
      encodeRecord(['p', 'maria', 'Maria; a "quoted" name', 'everyone']) +
        encodeRecord(['p', 'maria', 'Maria; a "quoted" name', 'nobody']) +
        encodeRecord(['s', 'maria', '1765000000000']),
    );
    await profiles.close();
    const again = await open(file);
    expect(await again.get(['maria', 'bruno'])).toEqual([
      {
        username: 'maria',
        displayName: 'Maria; a "quoted" name',
        lastSeenVisibility: 'nobody',
        lastSeenAt: 1_765_000_000_000,
        photo: null,
      },
      { username: 'bruno', displayName: null, lastSeenVisibility: 'everyone', lastSeenAt: null, photo: null },
    ]);
    expect(await readFile(file, 'utf8')).toBe(
      encodeRecord(['p', 'maria', 'Maria; a "quoted" name', 'nobody']) + encodeRecord(['s', 'maria', '1765000000000']),
    );
  });

  it('when a photo is set, then its id is a fifth field, and removing it goes back to four', async () => {
    const file = await fileIn();
    const profiles = await open(file);
    await profiles.update('maria', { photo: 'Qx3v0bT9LkP2aW8nZc1dYg' });
    await profiles.update('maria', { photo: null });
    expect(await readFile(file, 'utf8')).toBe(
      encodeRecord(['p', 'maria', '', 'everyone', 'Qx3v0bT9LkP2aW8nZc1dYg']) + encodeRecord(['p', 'maria', '', 'everyone']),
    );
    await profiles.update('maria', { photo: 'Qx3v0bT9LkP2aW8nZc1dYg' });
    await profiles.close();
    expect((await (await open(file)).get(['maria']))[0]?.photo).toBe('Qx3v0bT9LkP2aW8nZc1dYg');
  });

  it('when a torn last line is found, then it is dropped and the rest kept', async () => {
    const file = await fileIn();
    const good = encodeRecord(['p', 'maria', 'Maria', 'nobody']);
    await writeFile(file, good + encodeRecord(['p', 'maria', 'Maria', 'everyone']).slice(0, 20));
    const profiles = await open(file);
    expect((await profiles.get(['maria']))[0]?.lastSeenVisibility).toBe('nobody');
    expect(profiles.loadReport.tornBytes).toBe(20);
  });

  it('when a line in the middle is damaged, then its owner’s last seen is hidden, never shown by default', async () => {
    const file = await fileIn();
    const damaged = encodeRecord(['p', 'maria', 'Maria', 'nobody']).replace('Maria', 'Marxa');
    await writeFile(file, damaged + encodeRecord(['p', 'bruno', 'Bruno', 'everyone']));
    const profiles = await open(file);
    expect((await profiles.get(['maria', 'bruno'])).map((p) => p.lastSeenVisibility)).toEqual(['nobody', 'everyone']);
    expect(profiles.loadReport.damage).toHaveLength(1);
    // The rewrite keeps her hidden: the damage is not forgotten at the next start.
    await profiles.close();
    expect((await (await open(file)).get(['maria']))[0]?.lastSeenVisibility).toBe('nobody');
  });

  it('when a damaged line does not say whose it was, then every last seen is hidden and the file is left as it is', async () => {
    const file = await fileIn();
    const content = 'garbage without a name\n' + encodeRecord(['p', 'bruno', 'Bruno', 'everyone']);
    await writeFile(file, content);
    const profiles = await open(file);
    expect((await profiles.get(['bruno', 'carol'])).map((p) => p.lastSeenVisibility)).toEqual(['nobody', 'nobody']);
    expect(profiles.notCompacted).toBeInstanceOf(Error);
    expect(await readFile(file, 'utf8')).toBe(content);
  });
});
