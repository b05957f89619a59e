import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

describe.skipIf(!e2eEnabled())('PWA: a message the server cannot read (issue #15)', () => {
  const stage = stageForThisFile();

  it('when a message of the conversation is damaged, then the chat shows "this message could not be read" in its place', async () => {
    // Arrange: three messages, and one character of the middle one changes in ana's history while the server is stopped
    const anaApi = await ApiUser.signUp(stage.server.url, 'ana');
    const bia = await ApiUser.signUp(stage.server.url, 'bia');
    await anaApi.send('bia', 'primeira');
    await bia.send('ana', 'segunda');
    await anaApi.send('bia', 'terceira');
    await stage.server.restart(async () => {
      const file = path.join(stage.server.dataDir, 'historico', 'history_ana.txt');
      await writeFile(file, (await readFile(file, 'utf8')).replace('segunda', 'segundo'));
    });
    const ana = await stage.people.loggedIn('ana', { expected: { refusals: true } });

    // Act
    await ana.openChat('bia');

    // Assert
    const placeholder = ana.bubble('This message could not be read.');
    await placeholder.waitFor();
    await ana.page.screenshot({ path: screenshotPath('unreadable-message') });
    expect(await ana.page.locator('ol > li p').allTextContents()).toEqual(['primeira', 'This message could not be read.', 'terceira']);
    // bia wrote it: it stands on her side of the conversation.
    expect(await placeholder.getAttribute('class')).toMatch(/theirs/);
    expect(await ana.bubble('segundo').count()).toBe(0);
  }, 60_000);
});
