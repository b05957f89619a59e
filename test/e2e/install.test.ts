import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PapoProcess, e2eEnabled, ensurePwaBuilt, launchChromiumProfile, startPapo } from './support/harness.js';
import { inPage, serviceWorkerInControl } from './support/in-page.js';
import { Person } from './support/person.js';

interface Manifest {
  name: string;
  short_name: string;
  start_url: string;
  display: string;
  theme_color: string;
  background_color: string;
  icons: Array<{ src: string; sizes: string; type: string; purpose?: string }>;
}

describe.skipIf(!e2eEnabled())('PWA: installable (issue #3)', () => {
  let server: PapoProcess;
  let profile: string;
  let eva: Person;

  beforeAll(async () => {
    ensurePwaBuilt();
    server = await startPapo();
    profile = await mkdtemp(path.join(os.tmpdir(), 'papo-e2e-profile-'));
    eva = await Person.inContext(await launchChromiumProfile(profile, server.url), 'eva');
    await eva.page.goto('/');
    await serviceWorkerInControl(eva.page);
  }, 120_000);

  afterAll(async () => {
    const errors = eva?.errors ?? [];
    await eva?.close();
    await server?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
    expect(errors).toEqual([]);
  });

  it('when Chromium checks installability over the DevTools protocol, then it reports no error', async () => {
    const cdp = await eva.context.newCDPSession(eva.page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
  });

  it('when the manifest is read, then it has names, colours, standalone display, a start URL and 192/512/maskable icons that load', async () => {
    const response = await fetch(`${server.url}/manifest.webmanifest`);
    const manifest = (await response.json()) as Manifest;
    expect(manifest).toMatchObject({ name: 'Papo', short_name: 'Papo', start_url: '/', display: 'standalone' });
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/);
    expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/);
    const icon = (size: string, purpose: string) => manifest.icons.find((i) => i.sizes === size && (i.purpose ?? 'any') === purpose);
    for (const [size, purpose] of [
      ['192x192', 'any'],
      ['512x512', 'any'],
      ['512x512', 'maskable'],
    ] as const) {
      const found = icon(size, purpose);
      expect(found, `${size} ${purpose} icon`).toBeDefined();
      const image = await fetch(`${server.url}${found?.src}`);
      expect(image.headers.get('content-type')).toBe('image/png');
      const bytes = new Uint8Array(await image.arrayBuffer());
      const view = new DataView(bytes.buffer);
      expect(`${view.getUint32(16)}x${view.getUint32(20)}`).toBe(size); // PNG IHDR width x height
    }
  });

  it('when the real server serves the app, then the page carries a strict CSP and the right cache headers', async () => {
    const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    const csp = page.headers.get('content-security-policy') ?? '';
    // The app ran under this policy in every test here, and no test saw a console error: it needs nothing looser.
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${server.url}/sw.js`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('when the app has been used, then the service worker cached the shell and nothing from /api', async () => {
    await eva.logIn();
    const cached = await inPage(eva.page, async ({ caches }) => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
      }
      return urls;
    });
    expect(cached).toContain('/index.html');
    expect(cached.some((path) => /^\/assets\/index-[\w-]+\.js$/.test(path))).toBe(true);
    expect(cached.filter((path) => path.startsWith('/api'))).toEqual([]);
  });
});
