import { describe, expect, it } from 'vitest';
import type { HistoryResponse } from '../../api/contract.js';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { ApiUser, type Person } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

const SEEDED = 120;
const label = (n: number) => `message ${String(n).padStart(3, '0')}`;

describe.skipIf(!e2eEnabled())('PWA: history (issue #3)', () => {
  const stage = stageForThisFile();

  /** `reader` and `writer` with a long conversation, both directions, written over the API; the reader logged in. */
  async function longConversation(reader: string, writer: string): Promise<{ person: Person; writer: ApiUser }> {
    const writerApi = await ApiUser.signUp(stage.server.url, writer);
    const readerApi = await ApiUser.signUp(stage.server.url, reader);
    for (let n = 1; n <= SEEDED; n++) await (n % 2 ? writerApi.send(reader, label(n)) : readerApi.send(writer, label(n)));
    return { person: await stage.people.loggedIn(reader), writer: writerApi };
  }

  const scroller = (person: Person, peer: string) => person.page.getByRole('region', { name: `Message to ${peer}` });

  /**
   * Opens the conversation and waits for the server's newest page. The chat first shows what this device cached
   * from the live stream, then that page, which replaces it (the cached messages older than the page go until an
   * older page brings them back). Scrolling starts once the page is shown: from the cached view, "the message on
   * top" could be one the page then drops, and no scrolling could keep its place.
   */
  async function openAtNewestPage(person: Person, peer: string): Promise<void> {
    const newestPage = person.page.waitForResponse(
      (res) => /\/api\/history\?/.test(res.url()) && new RegExp(`[?&]with=${peer}(&|$)`).test(res.url()) && !/[?&]before=/.test(res.url()),
    );
    await person.openChat(peer);
    const { messages: page } = (await (await newestPage).json()) as HistoryResponse;
    await expect.poll(() => person.page.locator('ol > li p').first().textContent()).toBe(page[0]?.content);
  }

  it('when a long conversation opens, then it shows the newest messages and loads older ones while scrolling up, keeping the place', async () => {
    const { person: bia } = await longConversation('bia', 'ana');
    await openAtNewestPage(bia, 'ana');
    await bia.bubble(label(SEEDED)).waitFor();
    expect(await bia.bubble(label(1)).count()).toBe(0);

    // Act: scroll to the top, page after page
    for (let pages = 0; pages < 10 && (await bia.bubble(label(1)).count()) === 0; pages++) {
      const oldestShown = bia.page.locator('ol > li p').first();
      const text = await oldestShown.textContent();
      await scroller(bia, 'ana').evaluate((element) => (element.scrollTop = 0));
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
    const { person: dan, writer: eva } = await longConversation('dan', 'eva');
    await openAtNewestPage(dan, 'eva');
    await dan.bubble(label(SEEDED)).waitFor();
    // Well above the newest message, and well below where the older page would start loading.
    await scroller(dan, 'eva').evaluate((element) => (element.scrollTop = element.scrollHeight - element.clientHeight - 600));
    const before = await scroller(dan, 'eva').evaluate((element) => element.scrollTop);

    await eva.send('dan', 'a new one');

    await dan.page.getByRole('button', { name: 'New messages' }).waitFor();
    expect(await scroller(dan, 'eva').evaluate((element) => element.scrollTop)).toBe(before);
    await dan.page.getByRole('button', { name: 'New messages' }).click();
    await expect.poll(() => dan.bubble('a new one').isVisible()).toBe(true);
  }, 60_000);

  it('when /history is typed, then every conversation shows in one timeline, with who wrote to whom', async () => {
    const gil = await ApiUser.signUp(stage.server.url, 'gil');
    const hana = await ApiUser.signUp(stage.server.url, 'hana');
    const fayApi = await ApiUser.signUp(stage.server.url, 'fay');
    await gil.send('fay', 'from one conversation');
    await hana.send('fay', 'from another conversation');
    await fayApi.send('gil', 'an answer');
    const fay = await stage.people.loggedIn('fay');
    await fay.openChat('gil');

    await fay.type('gil', '/history');

    await fay.page.getByRole('heading', { name: 'All history' }).waitFor();
    await fay.page.getByText('hana → fay').waitFor();
    await fay.bubble('from another conversation').waitFor();
    await fay.bubble('from one conversation').waitFor();
    await fay.page.getByText('fay → gil').first().waitFor();
    await fay.page.screenshot({ path: screenshotPath('history-360x640') });
  });
});
