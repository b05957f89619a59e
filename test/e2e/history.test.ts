import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PapoProcess, e2eEnabled, ensurePwaBuilt, launchChromium, screenshotPath, startPapo } from './support/harness.js';
import type { HistoryResponse } from '../../api/contract.js';
import { ApiUser, Person } from './support/person.js';

const SEEDED = 120;
const label = (n: number) => `message ${String(n).padStart(3, '0')}`;

describe.skipIf(!e2eEnabled())('PWA: history (issue #3)', () => {
  let server: PapoProcess;
  let browser: Browser;
  let bia: Person;
  let ana: ApiUser;

  beforeAll(async () => {
    ensurePwaBuilt();
    server = await startPapo();
    browser = await launchChromium();
    // Arrange: a long conversation, both directions, written over the API.
    ana = await ApiUser.signUp(server.url, 'ana');
    const biaApi = await ApiUser.signUp(server.url, 'bia');
    for (let n = 1; n <= SEEDED; n++) await (n % 2 ? ana.send('bia', label(n)) : biaApi.send('ana', label(n)));
    bia = await Person.open(browser, server.url, 'bia');
    await bia.logIn();
  }, 120_000);

  afterAll(async () => {
    const errors = bia?.errors ?? [];
    await browser?.close();
    await server?.stop();
    expect(errors).toEqual([]);
  });

  const scroller = () => bia.page.getByRole('region', { name: 'Message to ana' });

  it('when a long conversation opens, then it shows the newest messages and loads older ones while scrolling up, keeping the place', async () => {
    // The chat first shows what this device cached from the live stream, then the server's newest page, which
    // replaces it (the cached messages older than that page go until an older page brings them back). Scrolling
    // starts once the page is shown: read from the cached view, "the message on top" could be one the page
    // then drops, and no scrolling could keep its place.
    const newestPage = bia.page.waitForResponse(
      (res) => /\/api\/history\?/.test(res.url()) && /[?&]with=ana(&|$)/.test(res.url()) && !/[?&]before=/.test(res.url()),
    );
    await bia.openChat('ana');
    const { messages: page } = (await (await newestPage).json()) as HistoryResponse;
    await expect.poll(() => bia.page.locator('ol > li p').first().textContent()).toBe(page[0]?.content);
    await bia.bubble(label(SEEDED)).waitFor();
    expect(await bia.bubble(label(1)).count()).toBe(0);

    // Act: scroll to the top, page after page
    for (let pages = 0; pages < 10 && (await bia.bubble(label(1)).count()) === 0; pages++) {
      const oldestShown = bia.page.locator('ol > li p').first();
      const text = await oldestShown.textContent();
      await scroller().evaluate((element) => (element.scrollTop = 0));
      await expect.poll(async () => bia.page.locator('ol > li p').first().textContent()).not.toBe(text);
      // Assert: the message that was on top is still where the reader left it, not thrown to the top or bottom
      const kept = bia.bubble(text ?? '');
      const top = await kept.evaluate((element) => element.getBoundingClientRect().top);
      expect(top).toBeGreaterThan(50);
    }

    // Assert: everything, once, in order
    await bia.page.getByText('This is the beginning of your conversation.').waitFor();
    const texts = await bia.page.locator('ol > li:not([role="separator"]) p').allTextContents();
    expect(texts).toEqual(Array.from({ length: SEEDED }, (_, i) => label(i + 1)));
  }, 60_000);

  it('when a message arrives while reading older ones, then the view stays put and offers to jump down', async () => {
    const before = await scroller().evaluate((element) => element.scrollTop);
    await ana.send('bia', 'a new one');
    await bia.page.getByRole('button', { name: 'New messages' }).waitFor();
    expect(await scroller().evaluate((element) => element.scrollTop)).toBe(before);
    await bia.page.getByRole('button', { name: 'New messages' }).click();
    await expect.poll(() => bia.bubble('a new one').isVisible()).toBe(true);
  });

  it('when /history is typed, then every conversation shows in one timeline, with who wrote to whom', async () => {
    const cris = await ApiUser.signUp(server.url, 'cris');
    await cris.send('bia', 'from another conversation');
    await bia.type('ana', '/history');
    await bia.page.getByRole('heading', { name: 'All history' }).waitFor();
    await bia.page.getByText('cris → bia').waitFor();
    await bia.bubble('from another conversation').waitFor();
    await bia.page.getByText('bia → ana').first().waitFor();
    await bia.page.screenshot({ path: screenshotPath('history-360x640') });
  });
});
