import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { stageForThisFile } from './support/stage.js';

/** Where a person reviewing the work finds these screens besides the test artifacts: PRESENCE_SCREENS, when set. */
function shot(name: string): string {
  const dir = process.env.PRESENCE_SCREENS;
  if (!dir) return screenshotPath(name);
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

describe.skipIf(!e2eEnabled())('PWA: display names, last seen and typing (issue #19, items 10 to 12)', () => {
  const stage = stageForThisFile();

  it(
    'when luana sets a display name, then tiago sees it in his list and the chat header, with "online", then "typing…", then last seen',
    { timeout: 120_000 },
    async () => {
      const luana = await stage.people.loggedIn('luana');
      const tiago = await stage.people.loggedIn('tiago');

      // Luana names herself in the settings' Profile section.
      await luana.page.getByRole('button', { name: 'Settings' }).click();
      const profile = luana.page.locator('section[data-section="profile"]');
      await profile.getByLabel('Display name').fill('Luana Souza 🌻');
      await profile.getByRole('button', { name: 'Save' }).click();
      await profile.getByText('Saved.').waitFor();
      // And a photo: uploaded as an attachment, then made her profile photo.
      const photo = await sharp({ create: { width: 240, height: 240, channels: 3, background: { r: 233, g: 150, b: 40 } } })
        .composite([
          {
            input: Buffer.from(
              '<svg width="240" height="240"><circle cx="120" cy="100" r="55" fill="#fff"/><rect x="40" y="170" width="160" height="70" rx="35" fill="#fff"/></svg>',
            ),
          },
        ])
        .png()
        .toBuffer();
      await profile.locator('input[type="file"]').setInputFiles({ name: 'luana.png', mimeType: 'image/png', buffer: photo });
      await profile.getByRole('button', { name: 'Remove photo' }).waitFor();
      await expect
        .poll(() => profile.locator('img').evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth))
        .toBeGreaterThan(0);
      await luana.page.screenshot({ path: shot('profile-settings-360x640') });
      await luana.page.getByRole('button', { name: 'Back' }).click();

      // Tiago opens the chat: her display name, and "online" while her app is open.
      await tiago.startChat('luana');
      const header = tiago.page.locator('header');
      await header.getByRole('heading', { level: 1, name: 'Luana Souza 🌻' }).waitFor();
      // Her photo, served to him though they never talked before.
      await expect
        .poll(() => header.locator('img').evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth))
        .toBeGreaterThan(0);
      await header.getByText('online', { exact: true }).waitFor();
      await tiago.type('luana', 'Oi Luana!');
      await tiago.page.getByRole('button', { name: 'Back' }).click();
      await tiago.page.locator('a[data-peer="luana"]').getByText('Luana Souza 🌻').waitFor();
      await tiago.openChat('luana');
      await header.getByText('online', { exact: true }).waitFor();
      await tiago.page.screenshot({ path: shot('last-seen-online-360x640') });

      // Luana types (without sending): "typing…" in his header, gone some seconds after she stops.
      await luana.openChat('tiago');
      await luana.composer('tiago').pressSequentially('Oi Tiago, tudo', { delay: 30 });
      const typing = header.getByText('typing…');
      await typing.waitFor({ timeout: 10_000 });
      await tiago.page.screenshot({ path: shot('typing-360x640') });
      await typing.waitFor({ state: 'detached', timeout: 15_000 });
      // Her message ends it at once.
      await luana.composer('tiago').pressSequentially(' bem?', { delay: 30 });
      await typing.waitFor({ timeout: 10_000 });
      await luana.composer('tiago').press('Enter');
      await tiago.bubble('Oi Tiago, tudo bem?').waitFor();
      await expect(typing.count()).resolves.toBe(0);

      // She leaves: after the grace between two polls, tiago sees when she was last seen.
      await luana.close();
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      await tiago.page.getByRole('button', { name: 'Back' }).click();
      await tiago.openChat('luana');
      await header.getByText(/^last seen today at /).waitFor({ timeout: 15_000 });
      await tiago.page.screenshot({ path: shot('last-seen-360x640') });
    },
  );

  it('when her profile loads slowly, then the display name bia types is kept, not overwritten by the late answer', async () => {
    const bia = await stage.people.loggedIn('bia', { serviceWorkers: 'block' });
    // The name the server holds arrives 1.5 s late, as on a slow phone connection.
    let delayed = 0;
    await bia.page.route('**/api/profile', async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      delayed++;
      // Asked now, answered late: what the server held before she typed.
      const answer = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return route.fulfill({ response: answer });
    });
    await bia.page.getByRole('button', { name: 'Settings' }).click();
    const profile = bia.page.locator('section[data-section="profile"]');
    await profile.getByLabel('Display name').fill('Bia Lima');
    await profile.getByRole('button', { name: 'Save' }).click();
    await profile.getByText('Saved.').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expect(profile.getByLabel('Display name').inputValue()).resolves.toBe('Bia Lima');
    const mine = await bia.page.evaluate(async () => (await (await fetch('/api/profile')).json()) as { displayName: string | null });
    expect(mine.displayName).toBe('Bia Lima');
    expect(delayed).toBeGreaterThan(0);
  }, 60_000);

  it('when rita hides her last seen in Privacy, then it stays chosen after a reload, and caio sees no status for her', async () => {
    const rita = await stage.people.loggedIn('rita');
    const caio = await stage.people.loggedIn('caio');
    await rita.page.goto('/#/settings');
    const privacy = rita.page.locator('section[data-section="privacy"]');
    await privacy.getByRole('radio', { name: 'Everyone' }).and(rita.page.locator(':checked')).waitFor();
    await privacy.getByRole('radio', { name: 'Nobody' }).check();
    await rita.page.reload();
    await privacy.getByRole('radio', { name: 'Nobody' }).and(rita.page.locator(':checked')).waitFor();
    await rita.page.screenshot({ path: shot('privacy-settings-360x640') });

    await caio.startChat('rita');
    await caio.page.locator('header').getByRole('heading', { level: 1, name: 'rita' }).waitFor();
    // Her app is open, but she hides it: no "online", no "last seen".
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expect(caio.page.locator('[data-peer-status="online"], [data-peer-status="last-seen"]').count()).resolves.toBe(0);
  }, 60_000);
});
