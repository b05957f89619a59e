import type { Page } from 'playwright-core';

/**
 * The little of the browser these tests touch. The root tsconfig checks the server too and so has no DOM lib;
 * rather than add DOM globals to server code, the browser side of the tests is described here.
 */
export interface PageElement {
  textContent: string | null;
  offsetParent: unknown;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number; top: number };
}

export interface PageWindow {
  innerWidth: number;
  document: {
    documentElement: { lang: string; scrollWidth: number };
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  getComputedStyle(element: PageElement): { backgroundColor: string };
  navigator: {
    serviceWorker: {
      ready: Promise<unknown>;
      controller: unknown;
      addEventListener(type: 'controllerchange', listener: () => void, options: { once: boolean }): void;
    };
  };
  caches: {
    keys(): Promise<string[]>;
    open(name: string): Promise<{ keys(): Promise<ReadonlyArray<{ url: string }>> }>;
  };
}

/** Runs `fn` in the page, given the page's window. */
export async function inPage<R>(page: Page, fn: (window: PageWindow) => R | Promise<R>): Promise<R> {
  const window = await page.evaluateHandle<PageWindow>('window');
  try {
    return await window.evaluate(fn);
  } finally {
    await window.dispose();
  }
}

/** Resolves once a service worker controls the page: before that, a reload with no network has no app shell. */
export function serviceWorkerInControl(page: Page): Promise<void> {
  return inPage(page, async (window) => {
    const { serviceWorker } = window.navigator;
    await serviceWorker.ready;
    if (!serviceWorker.controller) {
      await new Promise<void>((resolve) => serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
}
