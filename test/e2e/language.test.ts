import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { stageForThisFile } from './support/stage.js';

/** Screenshots asked for in issue #19 go to PAPO_SCREENS when it names a folder (outside the repo), else test-artifacts. */
function shot(name: string): string {
  const folder = process.env.PAPO_SCREENS;
  if (!folder) return screenshotPath(name);
  mkdirSync(folder, { recursive: true });
  return path.join(folder, `${name}.png`);
}

describe.skipIf(!e2eEnabled())('PWA: the language, chosen in the settings (issue #19, item 9)', () => {
  const stage = stageForThisFile();

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`when an English browser picks Português in the settings (${colorScheme}), then the app speaks Portuguese, and still after a reload`, async () => {
      const xan = await stage.people.loggedIn(`xan${colorScheme}`, { colorScheme });
      await xan.page.goto('/#/settings');
      const section = xan.page.locator('section[data-section="language"]');
      await section.getByRole('heading', { name: 'Language' }).waitFor();
      expect(await section.getByRole('radio', { name: 'English' }).isChecked()).toBe(true);
      await section.scrollIntoViewIfNeeded();
      await xan.page.screenshot({ path: shot(`language-switch-en-${colorScheme}-360x640`) });

      await section.getByRole('radio', { name: 'Português (Brasil)' }).check();
      await xan.page.getByRole('heading', { level: 1, name: 'Configurações' }).waitFor();
      expect(await xan.page.locator('html').getAttribute('lang')).toBe('pt-BR');
      expect(
        await xan.page.locator('section[data-section="language"]').getByRole('radio', { name: 'Português (Brasil)' }).isChecked(),
      ).toBe(true);
      await xan.page.locator('section[data-section="language"]').scrollIntoViewIfNeeded();
      await xan.page.screenshot({ path: shot(`language-switch-pt-${colorScheme}-360x640`) });

      await xan.page.goto('/');
      await xan.page.reload();
      await xan.page.getByLabel('Conversar com (nome de usuário)').waitFor();
      expect(await xan.page.locator('html').getAttribute('lang')).toBe('pt-BR');

      await xan.page.goto('/#/settings');
      await xan.page.locator('section[data-section="language"]').getByRole('radio', { name: 'English' }).check();
      await xan.page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    }, 90_000);
  }

  it('when JavaScript is off or the app is installed, then the page and the manifest speak Portuguese too', async () => {
    const html = await (await fetch(`${stage.server.url}/`)).text();
    const noscript = /<noscript>([\s\S]*?)<\/noscript>/.exec(html)?.[1] ?? '';
    expect(noscript).toContain('lang="pt-BR"');
    expect(noscript).toMatch(/precisa de JavaScript/);
    expect(noscript).toMatch(/needs JavaScript/);

    const manifest = (await (await fetch(`${stage.server.url}/manifest.webmanifest`)).json()) as { lang: string; description: string };
    expect(manifest.lang).toBe('pt-BR');
    expect(manifest.description).toMatch(/^Mensagens diretas/);
  });
});
