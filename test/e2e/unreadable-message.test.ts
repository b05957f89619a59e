import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PapoProcess, e2eEnabled, ensurePwaBuilt, launchChromium, screenshotPath, startPapo } from './support/harness.js';
import { ApiUser, Person } from './support/person.js';

describe.skipIf(!e2eEnabled())('PWA: a message the server cannot read (issue #15)', () => {
  let server: PapoProcess;
  let browser: Browser;
  let ana: Person;

  beforeAll(async () => {
    ensurePwaBuilt();
    server = await startPapo();
    browser = await launchChromium();
    const anaApi = await ApiUser.signUp(server.url, 'ana');
    const bia = await ApiUser.signUp(server.url, 'bia');
    await anaApi.send('bia', 'primeira');
    await bia.send('ana', 'segunda');
    await anaApi.send('bia', 'terceira');
    // One character of the middle message changes in ana's history while the server is stopped.
    await server.restart(async () => {
      const file = path.join(server.dataDir, 'historico', 'history_ana.txt');
      await writeFile(file, (await readFile(file, 'utf8')).replace('segunda', 'segundo'));
    });
    ana = await Person.open(browser, server.url, 'ana');
    await ana.logIn();
  }, 120_000);

  afterAll(async () => {
    const errors = ana?.unexpectedErrors() ?? [];
    await browser?.close();
    await server?.stop();
    expect(errors).toEqual([]);
  });

  it('when a message of the conversation is damaged, then the chat shows "this message could not be read" in its place', async () => {
    await ana.openChat('bia');
    const placeholder = ana.bubble('This message could not be read.');
    await placeholder.waitFor();
    await ana.page.screenshot({ path: screenshotPath('unreadable-message') });
    expect(await ana.page.locator('ol > li p').allTextContents()).toEqual(['primeira', 'This message could not be read.', 'terceira']);
    // bia wrote it: it stands on her side of the conversation.
    expect(await placeholder.getAttribute('class')).toMatch(/theirs/);
    expect(await ana.bubble('segundo').count()).toBe(0);
  });
});
