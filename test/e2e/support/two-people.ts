import type { Browser } from 'playwright-core';
import { type PapoProcess, ensurePwaBuilt, launchChromium, startPapo } from './harness.js';
import { Person } from './person.js';

/** What most browser tests start from: Papo on a fresh data folder, Chromium, and two people. */
export interface TwoPeople {
  server: PapoProcess;
  browser: Browser;
  ana: Person;
  bia: Person;
}

/**
 * Builds the PWA if needed, starts Papo and Chromium, and opens ana's and bia's pages, not yet logged in
 * (the order in which they log in, and what they allow first, is each test's). If a step fails, what was
 * already started is stopped before the error goes on.
 */
export async function openTwoPeople(): Promise<TwoPeople> {
  ensurePwaBuilt();
  const server = await startPapo();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const ana = await Person.open(browser, server.url, 'ana');
    const bia = await Person.open(browser, server.url, 'bia');
    return { server, browser, ana, bia };
  } catch (error) {
    await browser?.close();
    await server.stop();
    throw error;
  }
}
