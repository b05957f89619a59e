import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { ApiUser, PASSWORD } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** The wrong password typed on purpose answers 401 in the page. */
const refusals = { expected: { refusals: true } };

async function openSection(page: Page, id: string) {
  await page.goto('/#/settings');
  const section = page.locator(`section[data-section="${id}"]`);
  await section.waitFor();
  await section.scrollIntoViewIfNeeded();
  return section;
}

describe.skipIf(!e2eEnabled())('PWA: your data, and deleting the account (issue #17)', () => {
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

  it('when a person deletes their account with their password, then they are back at the login screen and the name is taken for good', async () => {
    const zoe = await stage.people.loggedIn('zoe', refusals);
    // Someone she talked to, who keeps what she sent.
    const yuri = await stage.people.loggedIn('yuri');
    await zoe.startChat('yuri');
    await zoe.type('yuri', 'Tchau, Yuri!');
    await yuri.page.locator('a[data-peer="zoe"]').waitFor();
    const zone = await openSection(zoe.page, 'delete-account');
    await zone.getByText(/Your username stays reserved for good/).waitFor();

    await zone.getByRole('button', { name: 'Delete my account…' }).click();
    const dialog = zoe.page.getByRole('dialog', { name: 'Delete your account for good?' });
    const password = dialog.getByLabel('Type your password to confirm');
    await expect.poll(() => zoe.page.evaluate<string>('document.activeElement.id')).toBe('delete-account-password');

    // Cancel leaves everything as it was.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await zone.getByRole('button', { name: 'Delete my account…' }).click();

    await password.fill('not my password at all');
    await dialog.getByRole('button', { name: 'Delete account' }).click();
    await dialog.getByText('That is not your password.').waitFor();
    await zoe.page.screenshot({ path: screenshotPath('account-delete-confirm-360x640') });
    expect(await seriousViolations(zoe.page)).toEqual([]);

    await password.fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Delete account' }).click();
    await zoe.page.getByText('Your account was deleted.').waitFor();
    await zoe.page.getByRole('button', { name: 'Enter' }).waitFor();

    const again = await fetch(`${stage.server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'zoe', password: PASSWORD }),
    });
    expect(again.status).toBe(409);
    await zoe.page.goto('/#/settings');
    await zoe.page.getByRole('button', { name: 'Enter' }).waitFor();

    // Yuri's list and chat say the account was deleted; her message stays, and nothing more can be sent.
    await yuri.page.reload();
    const row = yuri.page.locator('a[data-peer="zoe"]');
    await row.getByText('Deleted account').waitFor();
    await row.click();
    await yuri.page.getByText('zoe deleted their account. Nothing more can be sent here.').waitFor();
    await yuri.page.locator('header').getByRole('heading', { level: 1, name: 'Deleted account' }).waitFor();
    await yuri.bubble('Tchau, Yuri!').waitFor();
    await expect(yuri.composer('zoe').count()).resolves.toBe(0);
    await yuri.page.screenshot({ path: screenshotPath('account-deleted-peer-360x640') });
    expect(await seriousViolations(yuri.page)).toEqual([]);
  }, 120_000);
});
