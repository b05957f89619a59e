import { describe, expect, it } from 'vitest';
import { e2eEnabled } from './support/harness.js';
import { stageForThisFile } from './support/stage.js';

/** While the server stops (503) and is down, the app's requests fail by design; Chromium logs each one. */
const serverDown = { expected: { also: /net::ERR_CONNECTION_REFUSED|net::ERR_EMPTY_RESPONSE|net::ERR_CONNECTION_RESET|status of 503/ } };

describe.skipIf(!e2eEnabled())('PWA: server restarts (issue #3)', () => {
  const stage = stageForThisFile();

  it('when the server restarts, then both stay logged in, the app reconnects by itself and messages flow again', async () => {
    const ana = await stage.people.loggedIn('ana', serverDown);
    const bia = await stage.people.loggedIn('bia', serverDown);
    await ana.startChat('bia');
    await bia.startChat('ana');

    await stage.server.restart();
    await ana.type('bia', 'after the restart');
    await bia.bubble('after the restart').waitFor({ timeout: 20_000 });
    await bia.type('ana', 'still here');
    await ana.bubble('still here').waitFor({ timeout: 20_000 });

    // A fresh start of the app (a reload) lands in the chats, not on the login screen.
    await bia.page.reload();
    await bia.bubble('after the restart').waitFor();
    expect(await bia.page.getByRole('heading', { name: 'Log in or sign up' }).count()).toBe(0);
  }, 60_000);
});
