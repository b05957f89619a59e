import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../api/contract.js';
import { e2eEnabled } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** What the app's cache held for one message before ids were tokens (pwa/src/device/indexeddb-chat-cache.ts, version 1). */
interface CachedV1 {
  key: string;
  peer: string;
  id: string;
  from: string;
  to: string;
  content: string;
  sentAt: string;
  status: string;
}

/**
 * Writes the app's IndexedDB as version 1 of the app left it. Run in a page of the app's origin that is not
 * the app (the app would hold the database open). The browser side is a string: the root tsconfig, which
 * checks the tests, has no DOM types.
 */
async function writeVersion1Cache(page: Page, me: string, messages: CachedV1[]): Promise<void> {
  const script = `(async ({ me, messages }) => {
    const done = (request) => new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    await done(indexedDB.deleteDatabase('papo'));
    const open = indexedDB.open('papo', 1);
    open.onupgradeneeded = () => {
      const db = open.result;
      db.createObjectStore('meta');
      db.createObjectStore('messages', { keyPath: 'key' }).createIndex('byPeerTime', ['peer', 'sentAt']);
      db.createObjectStore('conversations', { keyPath: 'with' });
      db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
    };
    const db = await done(open);
    const tx = db.transaction(['meta', 'messages', 'conversations'], 'readwrite');
    tx.objectStore('meta').put(me, 'user');
    for (const m of messages) tx.objectStore('messages').put(m);
    const { key, peer, ...last } = messages[messages.length - 1];
    tx.objectStore('conversations').put({ with: peer, last, unread: messages.length });
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    db.close();
  })(${JSON.stringify({ me, messages })})`;
  await page.evaluate(script);
}

/** The messages in the app's cache now: id and content. */
async function cachedMessages(page: Page): Promise<{ id: string; content: string }[]> {
  const script = `(async () => {
    const open = indexedDB.open('papo');
    const db = await new Promise((resolve, reject) => { open.onsuccess = () => resolve(open.result); open.onerror = () => reject(open.error); });
    const request = db.transaction('messages').objectStore('messages').getAll();
    const all = await new Promise((resolve, reject) => { request.onsuccess = () => resolve(request.result); request.onerror = () => reject(request.error); });
    db.close();
    return all.map((m) => ({ id: m.id, content: m.content }));
  })()`;
  return (await page.evaluate(script)) as { id: string; content: string }[];
}

describe.skipIf(!e2eEnabled())('PWA: the cache from before ids were tokens (issue #15, item 7)', () => {
  const stage = stageForThisFile();

  it('when a device cached messages under their old numeric ids, then after the upgrade each message shows once, on screen and in the cache', async () => {
    // Arrange: bia has logged in on this device and closed the app; ana writes to her (no clientId, as curl does)
    const bia = await stage.people.loggedIn('bia', { expected: { refusals: true } });
    await bia.page.goto('/healthz');
    const ana = await ApiUser.signUp(stage.server.url, 'ana');
    const sent: Message[] = [await ana.send('bia', 'old 1'), await ana.send('bia', 'old 2')];
    // The device's cache as the previous version left it: the messages under the numbers they had then. It
    // has no cursor (the app was closed before its first poll answered), so no 410 comes to clear it.
    await writeVersion1Cache(
      bia.page,
      'bia',
      sent.map((m, i) => ({
        key: `i:${i + 1}`,
        peer: 'ana',
        id: String(i + 1),
        from: m.from,
        to: m.to,
        content: m.content,
        sentAt: m.sentAt,
        status: 'sent',
      })),
    );

    // Act: the new app opens on the conversation
    await bia.page.goto('/#/c/ana');

    // Assert: the messages come from the server, under their ids, once each; the cache holds them once too
    await bia.bubble('old 2').waitFor();
    await expect.poll(async () => (await ana.historyWith('bia')).every((m) => m.status !== 'sent'), { timeout: 20_000 }).toBe(true);
    expect(await bia.page.locator('ol > li:not([role="separator"]) p').allTextContents()).toEqual(['old 1', 'old 2']);
    const cached = await cachedMessages(bia.page);
    expect(cached.map((m) => m.content).sort()).toEqual(['old 1', 'old 2']);
    expect(cached.map((m) => m.id).sort()).toEqual(sent.map((m) => m.id).sort());
    // And a fresh start from that cache (before the server answers) shows each once as well.
    await bia.page.reload();
    await bia.bubble('old 2').waitFor();
    expect(await bia.page.locator('ol > li:not([role="separator"]) p').allTextContents()).toEqual(['old 1', 'old 2']);
  }, 90_000);
});
