import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
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
async function openStage(): Promise<Stage> {
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
async function closeStage(stage: Stage | undefined): Promise<string[]> {
  if (!stage) return [];
  const errors = stage.people.unexpectedErrors();
  await stage.browser.close();
  await stage.server.stop();
  return errors;
}

/**
 * The stage of the test file that calls this (inside its describe): opened before its tests, closed after them
 * with the check that no page showed an error its test did not provoke. Its parts can be read once it is open.
 */
export function stageForThisFile(): Stage {
  let stage: Stage | undefined;
  beforeAll(async () => {
    stage = await openStage();
  }, 120_000);
  afterAll(async () => {
    // Closed before the check, so a failed check never leaves a browser or a server behind.
    expect(await closeStage(stage)).toEqual([]);
  });
  const opened = (): Stage => {
    if (!stage) throw new Error("e2e: the stage is read before the file's beforeAll opened it");
    return stage;
  };
  return {
    get server() {
      return opened().server;
    },
    get browser() {
      return opened().browser;
    },
    get people() {
      return opened().people;
    },
  };
}
