import { describe, expect, it } from 'vitest';
import { e2eEnabled } from './support/harness.js';
import { ApiUser, type Person } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

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
  const stage = stageForThisFile();
  const recorded = (person: Person) => person.page.evaluate('window.__papo') as Promise<Recorded>;

  /** Logged in, with notifications allowed, in a page whose notification, badge and visibility APIs are recorded. */
  async function recordedPerson(name: string): Promise<Person> {
    const person = await stage.people.open(name);
    await person.context.grantPermissions(['notifications'], { origin: stage.server.url });
    await person.context.addInitScript(RECORDER);
    await person.logIn();
    return person;
  }

  it('when the app loads, then it does not ask for notifications; after the first message sent, it asks once', async () => {
    await ApiUser.signUp(stage.server.url, 'bia');
    const ana = await stage.people.open('ana');
    await ana.context.addInitScript(RECORDER);
    await ana.logIn();
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
    const cris = await recordedPerson('cris');
    const dan = await ApiUser.signUp(stage.server.url, 'dan');

    await dan.send('cris', 'one');
    await dan.send('cris', 'two');

    await cris.page.locator('a[data-peer="dan"]').getByLabel('2 unread').waitFor();
    await expect.poll(async () => (await recorded(cris)).badges.at(-1)).toBe(2);
    await cris.openChat('dan');
    await expect.poll(async () => (await recorded(cris)).badges.at(-1)).toBe(0);
  });

  it('when a message arrives while the app is in the background, then a system notification shows it', async () => {
    const eva = await recordedPerson('eva');
    const fred = await ApiUser.signUp(stage.server.url, 'fred');
    await eva.page.evaluate('window.__papo.hidden = true; document.dispatchEvent(new Event("visibilitychange"))');

    await fred.send('eva', 'are you there?');

    await expect.poll(async () => (await recorded(eva)).shown).toEqual([{ title: 'Message from fred', body: 'are you there?' }]);
    // Nobody saw it yet: still unread, still on the badge.
    await expect.poll(async () => (await recorded(eva)).badges.at(-1)).toBe(1);
  });
});
