import type { Browser } from 'playwright-core';
import { type PapoProcess, ensurePwaBuilt, launchChromium, startPapo } from './harness.js';
import { type ExpectedErrors, type OpenOptions, Person } from './person.js';

/**
 * The people of one test file, each in a browser context of their own. Every test opens the people it needs,
 * under names no other test of the file uses, so the tests share the server and the browser but no state, and
 * can run in any order.
 */
export class People {
  private readonly opened: Array<{ person: Person; expected: ExpectedErrors }> = [];

  constructor(
    private readonly browser: Browser,
    private readonly url: string,
  ) {}

  async open(name: string, options: OpenOptions & { expected?: ExpectedErrors } = {}): Promise<Person> {
    const person = await Person.open(this.browser, this.url, name, options);
    this.opened.push({ person, expected: options.expected ?? {} });
    return person;
  }

  /** Opened and logged in (signed up when the name is new), on the chat list. */
  async loggedIn(name: string, options: OpenOptions & { expected?: ExpectedErrors } = {}): Promise<Person> {
    const person = await this.open(name, options);
    await person.logIn();
    return person;
  }

  /** Each page's console errors and uncaught exceptions that its test did not provoke, as `name: text`. */
  unexpectedErrors(): string[] {
    return this.opened.flatMap(({ person, expected }) => person.unexpectedErrors(expected).map((text) => `${person.name}: ${text}`));
  }
}

/** What most browser test files start from: Papo on a fresh data folder, Chromium, and a place for people. */
export interface Stage {
  server: PapoProcess;
  browser: Browser;
  people: People;
}

/** Builds the PWA if needed, starts Papo and Chromium; if a step fails, what already started is stopped. */
export async function openStage(): Promise<Stage> {
  ensurePwaBuilt();
  const server = await startPapo();
  try {
    const browser = await launchChromium();
    return { server, browser, people: new People(browser, server.url) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Stops Chromium and Papo, then answers the errors the pages showed, for the file's last check. */
export async function closeStage(stage: Stage | undefined): Promise<string[]> {
  if (!stage) return [];
  const errors = stage.people.unexpectedErrors();
  await stage.browser.close();
  await stage.server.stop();
  return errors;
}
