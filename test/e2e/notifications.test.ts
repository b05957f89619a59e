import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PapoProcess, e2eEnabled } from './support/harness.js';
import type { Person } from './support/person.js';
import { openTwoPeople } from './support/two-people.js';

/**
 * Headless Chromium has no notification centre, no app icon and never hides a page, so this script, run before
 * the app, records what the app asks of those APIs and lets the test hide the page.
 */
const RECORDER = `
  window.__papo = { asked: 0, shown: [], badges: [], hidden: false };
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (window.__papo.hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => window.__papo.hidden });
  const request = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = () => { window.__papo.asked += 1; return request(); };
  ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
    window.__papo.shown.push({ title, body: options && options.body });
    return Promise.resolve();
  };
  Navigator.prototype.setAppBadge = function (count) { window.__papo.badges.push(count); return Promise.resolve(); };
  Navigator.prototype.clearAppBadge = function () { window.__papo.badges.push(0); return Promise.resolve(); };
`;

interface Recorded {
  asked: number;
  shown: Array<{ title: string; body: string }>;
  badges: number[];
}

describe.skipIf(!e2eEnabled())('PWA: notifications and the app badge (issue #3)', () => {
  let server: PapoProcess;
  let browser: Browser;
  let ana: Person;
  let bia: Person;
  const recorded = (person: Person) => person.page.evaluate('window.__papo') as Promise<Recorded>;

  beforeAll(async () => {
    ({ server, browser, ana, bia } = await openTwoPeople());
    await bia.context.grantPermissions(['notifications'], { origin: server.url });
    for (const person of [ana, bia]) await person.context.addInitScript(RECORDER);
    await bia.logIn();
    await ana.logIn();
  }, 120_000);

  afterAll(async () => {
    const errors = [...(ana?.errors ?? []), ...(bia?.errors ?? [])];
    await browser?.close();
    await server?.stop();
    expect(errors).toEqual([]);
  });

  it('when the app loads, then it does not ask for notifications; after the first message sent, it asks once', async () => {
    expect((await recorded(ana)).asked).toBe(0);
    await ana.startChat('bia');
    await ana.type('bia', 'first');
    await ana.myBubble('first').waitFor();
    await expect.poll(async () => (await recorded(ana)).asked).toBe(1);
    await ana.type('bia', 'second');
    await ana.myBubble('second').waitFor();
    expect((await recorded(ana)).asked).toBe(1);
  });

  it('when messages wait unread, then the app badge shows their count, and clears once they are read', async () => {
    await bia.page.locator('a[data-peer="ana"]').getByLabel('2 unread').waitFor();
    await expect.poll(async () => (await recorded(bia)).badges.at(-1)).toBe(2);
    await bia.openChat('ana');
    await expect.poll(async () => (await recorded(bia)).badges.at(-1)).toBe(0);
    await bia.page.getByRole('button', { name: 'Back' }).click();
  });

  it('when a message arrives while the app is in the background, then a system notification shows it', async () => {
    await bia.page.evaluate('window.__papo.hidden = true; document.dispatchEvent(new Event("visibilitychange"))');
    await ana.type('bia', 'are you there?');
    await expect.poll(async () => (await recorded(bia)).shown).toEqual([{ title: 'Message from ana', body: 'are you there?' }]);
    // Nobody saw it yet: still unread, still on the badge.
    await expect.poll(async () => (await recorded(bia)).badges.at(-1)).toBe(1);
  });
});
