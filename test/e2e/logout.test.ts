import { describe, expect, it } from 'vitest';
import { e2eEnabled } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** While the test holds a browser offline, its requests fail by design. */
const offline = { expected: { refusals: true, offline: true } };

describe.skipIf(!e2eEnabled())('PWA: logging out with messages not sent yet (issue #19, item 8)', () => {
  const stage = stageForThisFile();

  it('when the outbox holds a message, then logout asks first; "cancel" keeps everything, "OK" logs out', async () => {
    await ApiUser.signUp(stage.server.url, 'yuri');
    const zeca = await stage.people.loggedIn('zeca', offline);
    await zeca.startChat('yuri');
    await zeca.context.setOffline(true);
    await zeca.type('yuri', 'ainda não foi');
    await zeca.page.locator('li[data-status="pending"]').waitFor();
    await zeca.page.getByRole('button', { name: 'Back' }).click();

    const questions: string[] = [];
    zeca.page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await zeca.page.getByRole('button', { name: 'Log out' }).click();
    await expect
      .poll(() => questions)
      .toEqual(['1 message(s) not sent yet. They go out only when you log in again on this device. Log out anyway?']);
    await zeca.page.getByLabel('Start a chat with (username)').waitFor();
    await zeca.openChat('yuri');
    await zeca.page.locator('li[data-status="pending"]').waitFor();
    await zeca.page.getByRole('button', { name: 'Back' }).click();

    zeca.page.once('dialog', (dialog) => void dialog.accept());
    await zeca.page.getByRole('button', { name: 'Log out' }).click();
    await zeca.page.getByRole('button', { name: 'Enter' }).waitFor();
  }, 90_000);

  it('when nothing waits to be sent, then logout does not ask', async () => {
    const abel = await stage.people.loggedIn('abel');
    let asked = false;
    abel.page.on('dialog', (dialog) => {
      asked = true;
      void dialog.dismiss();
    });
    await abel.page.getByRole('button', { name: 'Log out' }).click();
    await abel.page.getByRole('button', { name: 'Enter' }).waitFor();
    expect(asked).toBe(false);
  }, 60_000);
});
