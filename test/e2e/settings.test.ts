import { describe, expect, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { stageForThisFile } from './support/stage.js';

describe.skipIf(!e2eEnabled())('PWA: the settings screen', () => {
  const stage = stageForThisFile();

  it('when a person opens the settings from the chat list, then they see who is logged in, and Back returns to the list', async () => {
    const rui = await stage.people.loggedIn('rui');
    await rui.page.getByRole('button', { name: 'Settings' }).click();
    await rui.page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    const account = rui.page.locator('section[data-section="account"]');
    await account.getByRole('heading', { name: 'Account' }).waitFor();
    await account.getByText('Logged in as rui').waitFor();
    expect(rui.page.url()).toMatch(/#\/settings$/);
    await rui.page.screenshot({ path: screenshotPath('settings-360x640') });

    await rui.page.getByRole('button', { name: 'Back' }).click();
    await rui.page.getByRole('heading', { level: 1, name: 'Papo' }).waitFor();
  }, 60_000);

  it('when a person logs out from the settings, then the login screen comes back and the settings link is gone', async () => {
    const lia = await stage.people.loggedIn('lia');
    await lia.page.goto('/#/settings');
    await lia.page.locator('section[data-section="account"]').getByRole('button', { name: 'Log out' }).click();
    await lia.page.getByRole('button', { name: 'Enter' }).waitFor();
    await lia.page.goto('/#/settings');
    await lia.page.getByRole('button', { name: 'Enter' }).waitFor();
  }, 60_000);
});
