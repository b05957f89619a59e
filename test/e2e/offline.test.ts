import { describe, expect, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { serviceWorkerInControl } from './support/in-page.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** While a test holds a browser offline, its requests fail by design. */
const offline = { expected: { refusals: true, offline: true } };

describe.skipIf(!e2eEnabled())('PWA: offline (issue #3)', () => {
  const stage = stageForThisFile();

  it('when messages are written offline, then they wait as pending, survive a reload, and go out once, in order, when back online', async () => {
    // Arrange: ana and bia chat; anaApi is ana's other device, to read what the server really stored
    const bia = await stage.people.loggedIn('bia');
    const ana = await stage.people.loggedIn('ana', offline);
    const anaApi = await ApiUser.signUp(stage.server.url, 'ana');
    await ana.startChat('bia');
    await ana.type('bia', 'online first');
    await bia.page.locator('a[data-peer="ana"]').getByText('online first').waitFor();
    await bia.openChat('ana');
    // The service worker must control the page before the network goes away, or a reload offline has no shell.
    await serviceWorkerInControl(ana.page);
    await ana.context.setOffline(true);
    await ana.page.getByText('Offline: messages will be sent when the connection is back.').waitFor();

    // Act: write two messages offline, then close and reopen the app, still offline
    await ana.type('bia', 'written offline 1');
    await ana.type('bia', 'written offline 2');
    await expect.poll(() => ana.myBubble('written offline 2').getAttribute('data-status')).toBe('pending');
    await ana.page.screenshot({ path: screenshotPath('offline-360x640') });
    await ana.page.reload();
    await ana.myBubble('written offline 1').and(ana.page.locator('[data-status="pending"]')).waitFor();
    await ana.myBubble('written offline 2').and(ana.page.locator('[data-status="pending"]')).waitFor();
    expect((await anaApi.historyWith('bia')).map((m) => m.content)).toEqual(['online first']);

    // Act: the network comes back
    await ana.context.setOffline(false);

    // Assert: delivered to bia, and stored exactly once each, in the order written
    await bia.bubble('written offline 2').waitFor();
    await expect.poll(() => ana.myBubble('written offline 2').getAttribute('data-status')).toMatch(/delivered|read/);
    expect(await ana.page.getByText('Offline: messages will be sent').count()).toBe(0);
    expect((await anaApi.historyWith('bia')).map((m) => m.content)).toEqual(['online first', 'written offline 1', 'written offline 2']);
    expect(await bia.page.locator('ol > li:not([role="separator"]) p').allTextContents()).toEqual([
      'online first',
      'written offline 1',
      'written offline 2',
    ]);
  }, 60_000);

  it('when the app starts again with no network, then the shell and the cached chats still show', async () => {
    // Arrange: cyd has used the app online, and a message reached the chat list (and so the cache)
    const cyd = await stage.people.loggedIn('cyd', offline);
    await (await ApiUser.signUp(stage.server.url, 'dex')).send('cyd', 'cached while online');
    await cyd.page.locator('a[data-peer="dex"]').getByText('cached while online').waitFor();
    await serviceWorkerInControl(cyd.page);

    // Act
    await cyd.context.setOffline(true);
    await cyd.page.goto('/');

    // Assert
    await cyd.page.locator('a[data-peer="dex"]').getByText('cached while online').waitFor();
    await cyd.page.getByText('Offline: messages will be sent when the connection is back.').waitFor();
    await cyd.context.setOffline(false);
  }, 30_000);
});
