import { describe, expect, it } from 'vitest';
import { e2eEnabled } from './support/harness.js';
import { stageForThisFile } from './support/stage.js';

/** The 404s for the user who does not exist are answers the app expects and handles. */
const refusals = { expected: { refusals: true } };

describe.skipIf(!e2eEnabled())('PWA: a link to a user who does not exist (issue #19, item 4)', () => {
  const stage = stageForThisFile();

  it('when a message is written there, then the screen says the user does not exist, the text stays, and no conversation appears', async () => {
    const gil = await stage.people.loggedIn('gil', refusals);
    await gil.page.goto('/#/c/ninguem');
    await gil.page.getByText('There is no user named “ninguem”.').first().waitFor();

    await gil.type('ninguem', 'alguém aí?');
    await gil.page.getByRole('alert').filter({ hasText: 'There is no user named “ninguem”.' }).first().waitFor();
    expect(await gil.composer('ninguem').inputValue()).toBe('alguém aí?');

    await gil.page.getByRole('button', { name: 'Back' }).click();
    await gil.page.getByLabel('Start a chat with (username)').waitFor();
    expect(await gil.page.locator('a[data-peer="ninguem"]').count()).toBe(0);
    await gil.page.reload();
    await gil.page.getByLabel('Start a chat with (username)').waitFor();
    expect(await gil.page.locator('a[data-peer="ninguem"]').count()).toBe(0);
  }, 60_000);
});
