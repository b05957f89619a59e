import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PapoProcess, e2eEnabled } from './support/harness.js';
import type { Person } from './support/person.js';
import { openTwoPeople } from './support/two-people.js';

/** While the server stops (503) and is down, the app's requests fail by design; Chromium logs each one. */
const SERVER_DOWN = /net::ERR_CONNECTION_REFUSED|net::ERR_EMPTY_RESPONSE|net::ERR_CONNECTION_RESET|status of 503/;

describe.skipIf(!e2eEnabled())('PWA: server restarts (issue #3)', () => {
  let server: PapoProcess;
  let browser: Browser;
  let ana: Person;
  let bia: Person;

  beforeAll(async () => {
    ({ server, browser, ana, bia } = await openTwoPeople());
    await ana.logIn();
    await bia.logIn();
    await ana.startChat('bia');
    await bia.startChat('ana');
  }, 120_000);

  afterAll(async () => {
    const errors = [...(ana?.errors ?? []), ...(bia?.errors ?? [])].filter((e) => !SERVER_DOWN.test(e));
    await browser?.close();
    await server?.stop();
    expect(errors).toEqual([]);
  });

  it('when the server restarts, then both stay logged in, the app reconnects by itself and messages flow again', async () => {
    await server.restart();
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
