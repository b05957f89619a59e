import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { ApiUser, PASSWORD } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** A wrong password (401) and a refused new password (400) are provoked on purpose. */
const refusals = { expected: { refusals: true, also: /status of 400 \(Bad Request\)/ } };

const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_ON_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** Another device logging in as `username`: its session cookie. */
async function logInElsewhere(url: string, username: string, userAgent: string, password = PASSWORD): Promise<string> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login of ${username} failed: ${response.status} ${await response.text()}`);
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** What the server answers that cookie now: 200 while its session lives, 401 once it ended. */
async function sessionStatus(url: string, cookie: string): Promise<number> {
  return (await fetch(`${url}/api/session`, { headers: { cookie } })).status;
}

async function openSection(page: Page, id: string) {
  await page.goto('/#/settings');
  const section = page.locator(`section[data-section="${id}"]`);
  await section.waitFor();
  await section.scrollIntoViewIfNeeded();
  return section;
}

describe.skipIf(!e2eEnabled())('PWA: your devices, blocked people, change password (issue #17)', () => {
  const stage = stageForThisFile();

  it('when a person ends another device from the list, then that device’s cookie stops working and this one goes on', async () => {
    const rui = await stage.people.loggedIn('rui', refusals);
    const firefox = await logInElsewhere(stage.server.url, 'rui', FIREFOX_ON_WINDOWS);
    expect(await sessionStatus(stage.server.url, firefox)).toBe(200);

    const devices = await openSection(rui.page, 'devices');
    await devices.getByRole('heading', { name: 'Your devices' }).waitFor();
    const other = devices.locator('li[data-device="other"]');
    await other.getByText('Firefox on Windows').waitFor();
    await other.getByText(/^Last used /).waitFor();
    const mine = devices.locator('li[data-device="this"]');
    await mine.getByText('This device').waitFor();
    await mine.getByText('Active now').waitFor();
    await mine.getByText(/^Logged in /).waitFor();
    await expect(mine.getByRole('button').count()).resolves.toBe(0);
    await devices.scrollIntoViewIfNeeded();
    await rui.page.screenshot({ path: screenshotPath('account-devices-360x640') });
    expect(await seriousViolations(rui.page)).toEqual([]);

    await devices.getByRole('button', { name: 'Log out Firefox on Windows' }).click();
    await devices.getByRole('status').getByText('Firefox on Windows was logged out.').waitFor();
    await devices.getByText('No other device is logged in.').waitFor();
    expect(await sessionStatus(stage.server.url, firefox)).toBe(401);

    await rui.page.reload();
    await rui.page.locator('section[data-section="devices"] li[data-device="this"]').waitFor();
  }, 90_000);

  it('when a person logs out all other devices, then every other cookie stops working', async () => {
    const ana = await stage.people.loggedIn('ana', refusals);
    const cookies = [
      await logInElsewhere(stage.server.url, 'ana', FIREFOX_ON_WINDOWS),
      await logInElsewhere(stage.server.url, 'ana', SAFARI_ON_IOS),
    ];

    const devices = await openSection(ana.page, 'devices');
    await devices.getByText('Safari on iOS').waitFor();
    await devices.getByRole('button', { name: 'Log out all other devices' }).click();
    await devices.getByText('Other devices logged out: 2.').waitFor();

    expect(await Promise.all(cookies.map((cookie) => sessionStatus(stage.server.url, cookie)))).toEqual([401, 401]);
    await devices.getByText('No other device is logged in.').waitFor();
    await expect(devices.getByRole('button', { name: 'Log out all other devices' }).count()).resolves.toBe(0);
  }, 90_000);

  it('when a person blocks someone from the chat header, then the composer gives way to a notice, the list shows them, and unblocking brings it back', async () => {
    const caio = await ApiUser.signUp(stage.server.url, 'caio');
    const lara = await stage.people.loggedIn('lara', refusals);
    await caio.send('lara', 'oi lara');
    await lara.openChat('caio');
    await lara.bubble('oi lara').waitFor();

    // A change of mind: Cancel leaves everything as it was.
    await lara.page.getByRole('button', { name: 'Block caio' }).click();
    const dialog = lara.page.getByRole('dialog', { name: 'Block caio?' });
    await dialog.getByText(/Their new messages will not reach you/).waitFor();
    // Cancel has the focus: Enter on the opened dialog never blocks by accident.
    await expect(lara.page.evaluate<string>('document.activeElement.textContent')).resolves.toBe('Cancel');
    await lara.page.screenshot({ path: screenshotPath('account-block-confirm-360x640') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await lara.composer('caio').waitFor();

    await lara.page.getByRole('button', { name: 'Block caio' }).click();
    await dialog.getByRole('button', { name: 'Block', exact: true }).click();
    await lara.page.getByText('You blocked caio.').waitFor();
    await expect(lara.composer('caio').count()).resolves.toBe(0);
    await lara.page.getByRole('button', { name: 'Unblock caio' }).first().waitFor();
    await lara.page.screenshot({ path: screenshotPath('account-blocked-conversation-360x640') });
    expect(await seriousViolations(lara.page)).toEqual([]);

    // What caio sends now is withheld: lara's history with him stays as it was.
    await caio.send('lara', 'are you there?');
    const blocked = await openSection(lara.page, 'blocked');
    const row = blocked.locator('li[data-blocked="caio"]');
    await row.getByText(/^Blocked /).waitFor();
    await blocked.scrollIntoViewIfNeeded();
    await lara.page.screenshot({ path: screenshotPath('account-blocked-people-360x640') });

    await row.getByRole('button', { name: 'Unblock caio' }).click();
    await blocked.getByText('You have not blocked anyone.').waitFor();

    // Blocked again from the header, unblocked from the notice.
    await lara.page.goto('/#/c/caio');
    await lara.page.getByRole('button', { name: 'Block caio' }).click();
    await lara.page.getByRole('dialog', { name: 'Block caio?' }).getByRole('button', { name: 'Block', exact: true }).click();
    await lara.page.getByText('You blocked caio.').waitFor();
    await lara.page.getByRole('status').getByRole('button', { name: 'Unblock caio' }).click();
    await lara.composer('caio').waitFor();
    await expect(lara.page.getByText('are you there?').count()).resolves.toBe(0);
    await lara.page.getByRole('button', { name: 'Block caio' }).waitFor();
  }, 90_000);

  it('when a person changes their password, then the server’s refusals show by the field, and after the change other devices are out and this one stays in', async () => {
    const mia = await stage.people.loggedIn('mia', refusals);
    const other = await logInElsewhere(stage.server.url, 'mia', FIREFOX_ON_WINDOWS);
    const form = await openSection(mia.page, 'password');
    const current = form.getByLabel('Current password');
    const next = form.getByLabel('New password');

    await current.fill('not my password at all');
    await next.fill('a brand new secret');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText('The current password is wrong.').waitFor();
    await expect(current.getAttribute('aria-invalid')).resolves.toBe('true');

    await current.fill(PASSWORD);
    await next.fill('aaaaaaaaaaaa');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText(/^A password cannot be one character or a group of characters repeated/).waitFor();
    await form.scrollIntoViewIfNeeded();
    await mia.page.screenshot({ path: screenshotPath('account-change-password-360x640') });
    expect(await seriousViolations(mia.page)).toEqual([]);

    await next.fill('a brand new secret');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText('Password changed. Every other device was logged out.').waitFor();
    await expect(current.inputValue()).resolves.toBe('');
    expect(await sessionStatus(stage.server.url, other)).toBe(401);

    // This device goes on with its new cookie: a reload is still logged in, and the chats still arrive.
    await mia.page.reload();
    await mia.page.locator('section[data-section="password"]').waitFor();
    const bia = await ApiUser.signUp(stage.server.url, 'bia');
    await bia.send('mia', 'still here?');
    await mia.page.goto('/#/c/bia');
    await mia.bubble('still here?').waitFor();
    expect(await sessionStatus(stage.server.url, await logInElsewhere(stage.server.url, 'mia', SAFARI_ON_IOS, 'a brand new secret'))).toBe(
      200,
    );
  }, 90_000);
});
