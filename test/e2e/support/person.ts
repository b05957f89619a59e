import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { HistoryResponse, Message } from '../../../api/contract.js';

export const PASSWORD = 'correct horse battery';

/** Chromium reports a refused request (a 4xx the app expects and handles) as a console error; it is not a bug. */
const REFUSAL = /^Failed to load resource: the server responded with a status of 40[14]/;
/** While the test holds the browser offline, requests fail by design. */
const OFFLINE = /net::ERR_INTERNET_DISCONNECTED|Failed to fetch/;

/** Which console errors a page may show because its test provokes them. */
export interface ExpectedErrors {
  /** 401 and 404 answers the app handles (unknown users, a deliberate logout). */
  refusals?: boolean;
  /** Failed requests while the test holds the browser offline. */
  offline?: boolean;
  /** Anything else the test provokes on purpose. */
  also?: RegExp;
}

/** A phone-sized light screen in English unless said. */
export interface OpenOptions {
  locale?: string;
  colorScheme?: 'light' | 'dark';
  width?: number;
  height?: number;
  /** 'block' keeps the service worker out, so that `page.route` sees the page's API calls (it does not see
   * what a service worker fetches). */
  serviceWorkers?: 'allow' | 'block';
}

/**
 * One person with their own browser (context), on a phone-sized screen by default. Collects every console error
 * and uncaught exception, so each test can end with "and nothing went wrong in the page".
 */
export class Person {
  readonly errors: string[] = [];

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(message.text());
    });
    page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
  }

  static async open(browser: Browser, baseURL: string, name: string, options: OpenOptions = {}): Promise<Person> {
    const context = await browser.newContext({
      baseURL,
      viewport: { width: options.width ?? 360, height: options.height ?? 640 },
      locale: options.locale ?? 'en-US',
      colorScheme: options.colorScheme ?? 'light',
      deviceScaleFactor: 1,
      serviceWorkers: options.serviceWorkers ?? 'allow',
    });
    return Person.inContext(context, name);
  }

  static async inContext(context: BrowserContext, name: string): Promise<Person> {
    const page = context.pages()[0] ?? (await context.newPage());
    return new Person(name, context, page);
  }

  /** Logs in from the login screen (signing up when the name is new) and waits for the chat list. */
  async logIn(password = PASSWORD): Promise<void> {
    const { page } = this;
    if (!page.url().startsWith('http')) await page.goto('/');
    await page.getByLabel('Username').fill(this.name);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.getByLabel('Start a chat with (username)').waitFor();
  }

  async openChat(peer: string): Promise<void> {
    await this.page.getByRole('list', { name: 'Chats' }).locator(`a[data-peer="${peer}"]`).click();
    await this.composer(peer).waitFor();
  }

  /** Starts a chat by typing the name in the new-chat field. */
  async startChat(peer: string): Promise<void> {
    await this.page.getByLabel('Start a chat with (username)').fill(peer);
    await this.page.getByRole('button', { name: 'Start' }).click();
    await this.composer(peer).waitFor();
  }

  composer(peer: string): Locator {
    return this.page.getByRole('textbox', { name: `Message to ${peer}` });
  }

  async type(peer: string, text: string): Promise<void> {
    await this.composer(peer).fill(text);
    await this.composer(peer).press('Enter');
  }

  /** The bubble of a message with exactly this text. */
  bubble(text: string): Locator {
    return this.page.locator('li', { has: this.page.locator('p', { hasText: new RegExp(`^${escapeRegExp(text)}$`) }) });
  }

  /** A message of mine, by its text; its `data-status` is the tick state. */
  myBubble(text: string): Locator {
    return this.bubble(text).and(this.page.locator('li[data-status]'));
  }

  /** Console errors that are bugs: every one but those the test provoked (`expected`). */
  unexpectedErrors(expected: ExpectedErrors = {}): string[] {
    return this.errors.filter(
      (text) => !(expected.refusals && REFUSAL.test(text)) && !(expected.offline && OFFLINE.test(text)) && !expected.also?.test(text),
    );
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A user driven over HTTP (no browser): to seed data and to check what the server stored. */
export class ApiUser {
  private constructor(
    private readonly baseURL: string,
    private readonly cookie: string,
  ) {}

  static async signUp(baseURL: string, username: string, password = PASSWORD): Promise<ApiUser> {
    const response = await fetch(`${baseURL}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!response.ok) throw new Error(`sign-up of ${username} failed: ${response.status} ${await response.text()}`);
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return new ApiUser(baseURL, cookie);
  }

  async send(to: string, content: string): Promise<Message> {
    return this.sendReply(to, content);
  }

  /** A send; with `replyTo`, an answer to that message (issue #18). */
  async sendReply(to: string, content: string, replyTo?: string): Promise<Message> {
    const response = await fetch(`${this.baseURL}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: this.cookie },
      body: JSON.stringify({ to, content, ...(replyTo === undefined ? {} : { replyTo }) }),
    });
    if (response.status !== 201) throw new Error(`send failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { message: Message }).message;
  }

  /** Every message with `peer`, oldest first, following the pages back to the beginning. */
  async historyWith(peer: string): Promise<Message[]> {
    const all: Message[] = [];
    let before: string | null = null;
    do {
      const query = new URLSearchParams({ with: peer, limit: '200', ...(before ? { before } : {}) });
      const response = await fetch(`${this.baseURL}/api/history?${query}`, { headers: { cookie: this.cookie } });
      if (!response.ok) throw new Error(`history failed: ${response.status} ${await response.text()}`);
      const page = (await response.json()) as HistoryResponse;
      all.unshift(...page.messages);
      before = page.before;
    } while (before);
    return all;
  }
}
