import { describe, expect, it } from 'vitest';
import { e2eEnabled } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** The 404s for unknown users and the 401s after a logout are refusals the app expects and handles. */
const refusals = { expected: { refusals: true } };

describe.skipIf(!e2eEnabled())('PWA: the old commands and unknown users (issue #3)', () => {
  const stage = stageForThisFile();

  it('when /msg is typed in the new-chat field, then the message goes out and its conversation opens', async () => {
    const bia = await stage.people.loggedIn('bia');
    const ana = await stage.people.loggedIn('ana');

    await ana.page.getByLabel('Start a chat with (username)').fill('/msg bia ola via /msg');
    await ana.page.getByRole('button', { name: 'Start' }).click();

    await ana.composer('bia').waitFor();
    await ana.myBubble('ola via /msg').waitFor();
    await bia.page.locator('a[data-peer="ana"]').getByText('ola via /msg').waitFor();
  });

  it('when a chat is started with a username nobody has, then the screen says so', async () => {
    const cid = await stage.people.loggedIn('cid', refusals);

    await cid.page.getByLabel('Start a chat with (username)').fill('ghost');
    await cid.page.getByRole('button', { name: 'Start' }).click();

    await cid.page.getByRole('alert').getByText('There is no user named “ghost”.').waitFor();
  });

  it('when a person starts a chat with themselves, then the screen says that is them', async () => {
    const dora = await stage.people.loggedIn('dora');

    await dora.page.getByLabel('Start a chat with (username)').fill('Dora');
    await dora.page.getByRole('button', { name: 'Start' }).click();

    await dora.page.getByRole('alert').getByText('That is you: pick someone else to talk to.').waitFor();
  });

  it('when /msg names an unknown user in the composer, then nothing is sent and the text stays', async () => {
    await ApiUser.signUp(stage.server.url, 'fia');
    const edu = await stage.people.loggedIn('edu', refusals);
    await edu.startChat('fia');

    await edu.type('fia', '/msg ghost boo');

    await edu.page.getByRole('alert').getByText('There is no user named “ghost”.').waitFor();
    expect(await edu.composer('fia').inputValue()).toBe('/msg ghost boo');
    expect(await edu.page.locator('li[data-status]').getByText('boo').count()).toBe(0);
  });

  it('when /msg names someone else in a conversation, then it goes to them and their conversation opens', async () => {
    await ApiUser.signUp(stage.server.url, 'hal');
    await ApiUser.signUp(stage.server.url, 'ivy');
    const gus = await stage.people.loggedIn('gus');
    await gus.startChat('hal');

    await gus.type('hal', '/msg ivy oi ivy');

    await gus.composer('ivy').waitFor();
    await gus.myBubble('oi ivy').waitFor();
  });

  it('when /sair is typed, then the person is logged out, and a message sent meanwhile arrives at the next login', async () => {
    // The 401 of the old cookie, asked below on purpose, is logged by Chromium.
    const kim = await stage.people.loggedIn('kim', { expected: { also: /status of 401/ } });
    const jan = await stage.people.loggedIn('jan');
    await jan.startChat('kim');
    await jan.type('kim', 'hi before you go');
    await kim.openChat('jan');

    await kim.type('jan', '/sair');

    await kim.page.getByRole('heading', { name: 'Log in or sign up' }).waitFor();
    // The old cookie is gone too: the server answers 401 to it.
    const status = await kim.page.evaluate(async () => (await fetch('/api/session')).status);
    expect(status).toBe(401);
    await jan.type('kim', 'sent while you were out');
    await expect.poll(() => jan.myBubble('sent while you were out').getAttribute('data-status')).toBe('sent');
    await kim.logIn();
    await kim.page.locator('a[data-peer="jan"]').getByLabel('1 unread').waitFor();
    await kim.openChat('jan');
    await kim.bubble('sent while you were out').waitFor();
    await expect.poll(() => jan.myBubble('sent while you were out').getAttribute('data-status')).toBe('read');
  }, 60_000);

  it('when the Log out button is used, then the login screen comes back', async () => {
    const leo = await stage.people.loggedIn('leo');

    await leo.page.getByRole('button', { name: 'Log out' }).click();

    await leo.page.getByRole('heading', { name: 'Log in or sign up' }).waitFor();
  });

  it('when the password is wrong, then the login screen says so, and the right one gets in', async () => {
    const maxApi = await ApiUser.signUp(stage.server.url, 'max');
    await ApiUser.signUp(stage.server.url, 'ned');
    await maxApi.send('ned', 'hello ned');
    const max = await stage.people.open('max', { expected: { also: /status of 401/ } });
    await max.page.goto('/');

    await max.page.getByLabel('Username').fill('max');
    await max.page.getByLabel('Password').fill('not the password');
    await max.page.getByRole('button', { name: 'Enter' }).click();

    await max.page.getByRole('alert').getByText('Wrong password for this username.').waitFor();
    await max.logIn();
    await max.page.locator('a[data-peer="ned"]').waitFor();
  });
});
