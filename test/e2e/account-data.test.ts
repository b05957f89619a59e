import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

async function openSection(page: Page, id: string) {
  await page.goto('/#/settings');
  const section = page.locator(`section[data-section="${id}"]`);
  await section.waitFor();
  await section.scrollIntoViewIfNeeded();
  return section;
}

describe.skipIf(!e2eEnabled())('PWA: your data (issue #17)', () => {
  const stage = stageForThisFile();

  it('when a person taps Download my data, then the browser saves their zip, named for them and the day', async () => {
    const bia = await ApiUser.signUp(stage.server.url, 'bia');
    const teo = await stage.people.loggedIn('teo');
    await bia.send('teo', 'a message to keep');

    const data = await openSection(teo.page, 'data');
    await data.getByText(/^A zip file with everything Papo keeps about you/).waitFor();
    await teo.page.screenshot({ path: screenshotPath('account-export-360x640') });
    expect(await seriousViolations(teo.page)).toEqual([]);

    const [download] = await Promise.all([teo.page.waitForEvent('download'), data.getByRole('link', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^papo-teo-\d{4}-\d{2}-\d{2}\.zip$/);
    const bytes = await readFile(await download.path());
    // A zip starts with its local file header's signature, PK\x03\x04; the message is inside, in messages.jsonl.
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(bytes.includes(Buffer.from('messages.jsonl'))).toBe(true);
    // The page stayed where it was: a download is no navigation.
    expect(teo.page.url()).toMatch(/#\/settings$/);
  }, 90_000);
});
