import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PapoProcess, e2eEnabled } from './support/harness.js';
import { ApiUser, type Person } from './support/person.js';
import { openTwoPeople } from './support/two-people.js';

describe.skipIf(!e2eEnabled())('PWA: the old commands and unknown users (issue #3)', () => {
  let server: PapoProcess;
  let browser: Browser;
  let ana: Person;
  let bia: Person;

  beforeAll(async () => {
    ({ server, browser, ana, bia } = await openTwoPeople());
    await ana.logIn();
    await bia.logIn();
  }, 120_000);

  afterAll(async () => {
    // The 404s for unknown users are expected refusals; anything else in the console is a bug.
    const errors = [...(ana?.unexpectedErrors() ?? []), ...(bia?.errors ?? [])];
    await browser?.close();
    await server?.stop();
    expect(errors).toEqual([]);
  });

  it('when /msg is typed in the new-chat field, then the message goes out and its conversation opens', async () => {
    await ana.page.getByLabel('Start a chat with (username)').fill('/msg bia ola via /msg');
    await ana.page.getByRole('button', { name: 'Start' }).click();
    await ana.composer('bia').waitFor();
    await ana.myBubble('ola via /msg').waitFor();
    await bia.page.locator('a[data-peer="ana"]').getByText('ola via /msg').waitFor();
  });

  it('when a chat is started with a username nobody has, then the screen says so', async () => {
    await ana.page.getByRole('button', { name: 'Back' }).click();
    await ana.page.getByLabel('Start a chat with (username)').fill('ghost');
    await ana.page.getByRole('button', { name: 'Start' }).click();
    await ana.page.getByRole('alert').getByText('There is no user named “ghost”.').waitFor();
  });

  it('when a person starts a chat with themselves, then the screen says that is them', async () => {
    await ana.page.getByLabel('Start a chat with (username)').fill('Ana');
    await ana.page.getByRole('button', { name: 'Start' }).click();
    await ana.page.getByRole('alert').getByText('That is you: pick someone else to talk to.').waitFor();
  });

  it('when /msg names an unknown user in the composer, then nothing is sent and the text stays', async () => {
    await ana.page.getByLabel('Start a chat with (username)').fill('bia');
    await ana.page.getByRole('button', { name: 'Start' }).click();
    await ana.type('bia', '/msg ghost boo');
    await ana.page.getByRole('alert').getByText('There is no user named “ghost”.').waitFor();
    expect(await ana.composer('bia').inputValue()).toBe('/msg ghost boo');
    expect(await ana.page.locator('li[data-status]').getByText('boo').count()).toBe(0);
    await ana.composer('bia').fill('');
  });

  it('when /msg names someone else in a conversation, then it goes to them and their conversation opens', async () => {
    await ApiUser.signUp(server.url, 'cris');
    await ana.type('bia', '/msg cris oi cris');
    await ana.composer('cris').waitFor();
    await ana.myBubble('oi cris').waitFor();
  });

  it('when /sair is typed, then the person is logged out, and a message sent meanwhile arrives at the next login', async () => {
    await bia.openChat('ana');
    await bia.type('ana', '/sair');
    await bia.page.getByRole('heading', { name: 'Log in or sign up' }).waitFor();
    // The old cookie is gone too: the server answers 401 to it.
    const status = await bia.page.evaluate(async () => (await fetch('/api/session')).status);
    expect(status).toBe(401);
    bia.errors.splice(0); // that deliberate 401 above is logged by Chromium

    await ana.page.getByRole('button', { name: 'Back' }).click();
    await ana.openChat('bia');
    await ana.type('bia', 'sent while you were out');
    await expect.poll(() => ana.myBubble('sent while you were out').getAttribute('data-status')).toBe('sent');

    await bia.logIn();
    await bia.page.locator('a[data-peer="ana"]').getByLabel('1 unread').waitFor();
    await bia.openChat('ana');
    await bia.bubble('sent while you were out').waitFor();
    await expect.poll(() => ana.myBubble('sent while you were out').getAttribute('data-status')).toBe('read');
  }, 60_000);

  it('when the Log out button is used, then the login screen comes back', async () => {
    await ana.page.getByRole('button', { name: 'Back' }).click();
    await ana.page.getByRole('button', { name: 'Log out' }).click();
    await ana.page.getByRole('heading', { name: 'Log in or sign up' }).waitFor();
  });

  it('when the password is wrong, then the login screen says so, and the right one gets in', async () => {
    await ana.page.getByLabel('Username').fill('ana');
    await ana.page.getByLabel('Password').fill('not the password');
    await ana.page.getByRole('button', { name: 'Enter' }).click();
    await ana.page.getByRole('alert').getByText('Wrong password for this username.').waitFor();
    await ana.logIn();
    await ana.page.locator('a[data-peer="bia"]').waitFor();
  });
});
