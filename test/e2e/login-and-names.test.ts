import { describe, expect, it } from 'vitest';
import { e2eEnabled } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** The login screen's 401 for a wrong password is provoked on purpose. */
const refusals = { expected: { refusals: true } };
const RULE = '3 to 32 letters a-z or digits, with a single _ . or - only between them';

describe.skipIf(!e2eEnabled())('PWA: the login error and long names (issue #19, item 6)', () => {
  const stage = stageForThisFile();

  it('when a username breaks the rule, then the error says so without repeating the rule under the field', async () => {
    const dino = await stage.people.open('dino');
    await dino.page.goto('/');
    await dino.page.getByLabel('Username').fill('a');
    await dino.page.getByLabel('Password').fill('whatever it is');
    await dino.page.getByRole('button', { name: 'Enter' }).click();
    const alert = dino.page.getByRole('alert');
    await alert.getByText('This username cannot be used: see its rule under the field.').waitFor();
    expect(await alert.textContent()).not.toContain(RULE);
    expect(await dino.page.getByText(RULE).count()).toBe(1);
  });

  it('when a login fails, then the card does not move', async () => {
    await ApiUser.signUp(stage.server.url, 'elis');
    const elis = await stage.people.open('elis', refusals);
    await elis.page.goto('/');
    const card = elis.page.locator('main > div').first();
    await elis.page.getByLabel('Username').waitFor();
    const before = await card.boundingBox();
    await elis.page.getByLabel('Username').fill('elis');
    await elis.page.getByLabel('Password').fill('not her password at all');
    await elis.page.getByRole('button', { name: 'Enter' }).click();
    await elis.page.getByRole('alert').getByText('Wrong password for this username.').waitFor();
    expect(await card.boundingBox()).toEqual(before);
  });

  it('when a username is 32 characters long, then the list and the chat header show all of it', async () => {
    const long = 'maria.fernanda.albuquerque.silva';
    expect(long).toHaveLength(32);
    await ApiUser.signUp(stage.server.url, long);
    const fabi = await stage.people.loggedIn('fabi');
    await fabi.startChat(long);
    await fabi.type(long, 'oi');

    const clipped = (selector: string) =>
      fabi.page.locator(selector).evaluate((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1);
    const header = fabi.page.getByRole('heading', { level: 1, name: long });
    await header.waitFor();
    expect(await clipped(`h1[title="${long}"]`)).toBe(false);

    await fabi.page.getByRole('button', { name: 'Back' }).click();
    const row = `a[data-peer="${long}"] span[title="${long}"]`;
    await fabi.page.locator(row).waitFor();
    expect(await clipped(row)).toBe(false);
  }, 60_000);
});
