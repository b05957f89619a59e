import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { serviceWorkerInControl } from './support/in-page.js';
import { stageForThisFile } from './support/stage.js';

/** Where the issue's closing note wants its screenshots, when this machine has that folder's parent. */
const SHOTS_FOR_THE_ISSUE = process.env.PAPO_SCREENS_DIR;

async function shot(page: import('playwright-core').Page, name: string): Promise<void> {
  const file = screenshotPath(name);
  await page.screenshot({ path: file });
  if (SHOTS_FOR_THE_ISSUE) {
    await mkdir(SHOTS_FOR_THE_ISSUE, { recursive: true });
    await copyFile(file, path.join(SHOTS_FOR_THE_ISSUE, `${name}.png`));
  }
}

/** A landscape photo, made here: a sky over the sea, with a camera's EXIF. */
function photo(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="60%" fill="#7cc4f0"/><rect y="60%" width="100%" height="40%" fill="#1d6fa3"/>
    <circle cx="${width * 0.75}" cy="${height * 0.25}" r="${height * 0.1}" fill="#ffd54a"/></svg>`;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'PapoPhone' } })
    .toBuffer();
}

describe.skipIf(!e2eEnabled())('PWA: photos and files (issue #18)', () => {
  const stage = stageForThisFile();

  it('when ana sends a photo with a caption, then bia sees it in the bubble at its proportions and opens it full screen', async () => {
    const ana = await stage.people.loggedIn('ana');
    const bia = await stage.people.loggedIn('bia');
    await ana.startChat('bia');

    await ana.page.getByRole('button', { name: 'Attach' }).click();
    await ana.page.locator('input[type=file][accept="image/*"]:not([capture])').setInputFiles({
      name: 'praia.jpg',
      mimeType: 'image/jpeg',
      buffer: await photo(1200, 800),
    });
    // The preview before sending.
    await ana.page.getByRole('list', { name: 'Files to send' }).getByRole('img', { name: 'praia.jpg' }).waitFor();
    await ana.type('bia', 'Olha a praia!');

    const sent = ana.myBubble('Olha a praia!');
    await sent.getByRole('img', { name: 'praia.jpg' }).waitFor();
    await expect.poll(() => sent.getAttribute('data-status')).toMatch(/sent|delivered|read/);

    await bia.openChat('ana');
    const picture = bia.bubble('Olha a praia!').getByRole('img', { name: 'praia.jpg' });
    await picture.waitFor();
    // The space is reserved from the message's width and height: 3:2, before and after it loads.
    expect(await picture.getAttribute('width')).toBe('1200');
    expect(await picture.getAttribute('height')).toBe('800');
    await expect
      .poll(() =>
        picture.evaluate((img: { complete?: boolean; naturalWidth?: number }) => img.complete === true && (img.naturalWidth ?? 0) > 0),
      )
      .toBe(true);
    const box = await picture.boundingBox();
    expect(box && Math.round((box.width / box.height) * 10) / 10).toBe(1.5);
    await shot(bia.page, 'photo-in-bubble-360x640');

    await bia.page.getByRole('button', { name: 'Open praia.jpg full screen' }).click();
    const viewer = bia.page.getByRole('dialog', { name: 'praia.jpg' });
    await viewer.waitFor();
    const full = viewer.getByRole('img', { name: 'praia.jpg' });
    await expect.poll(() => full.evaluate((img: { complete?: boolean; naturalWidth?: number }) => img.naturalWidth)).toBe(1200);
    await shot(bia.page, 'photo-full-screen-360x640');
    await bia.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
  }, 90_000);

  it('when a file uploads on a slow connection, then its bubble shows the progress, and the recipient gets name, size and a download', async () => {
    const cris = await stage.people.loggedIn('cris');
    const dani = await stage.people.loggedIn('dani');
    await cris.startChat('dani');
    // About 10 s for 480 KB: slow enough to see the bar move.
    const cdp = await cris.context.newCDPSession(cris.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 48 * 1024,
    });

    await cris.page.getByRole('button', { name: 'Attach' }).click();
    await cris.page.getByRole('button', { name: 'File' }).waitFor();
    await cris.page.locator('input[type=file]:not([accept])').setInputFiles({
      name: 'relatório.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(480 * 1024, 32)]),
    });
    await cris.page.getByRole('list', { name: 'Files to send' }).getByText('relatório.pdf').waitFor();
    await cris.composer('dani').press('Enter');

    const bar = cris.page.locator('li[data-status="pending"] progress');
    await bar.waitFor();
    await expect.poll(() => bar.evaluate((p: { value?: number }) => p.value), { timeout: 20_000 }).toBeGreaterThan(0.2);
    await shot(cris.page, 'upload-in-progress-360x640');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    await dani.openChat('cris');
    const row = dani.page.getByRole('link', { name: 'Download relatório.pdf' });
    await row.waitFor({ timeout: 30_000 });
    await dani.page.getByText('480 KB').waitFor();
    expect(await row.getAttribute('download')).toBe('relatório.pdf');
    await shot(dani.page, 'file-in-bubble-360x640');
  }, 90_000);

  it('when a photo is sent offline, then it waits in the outbox with its bytes, survives a reload, and goes out once when back online', async () => {
    const eva = await stage.people.loggedIn('eva');
    const fabi = await stage.people.loggedIn('fabi', { expected: { refusals: true, offline: true } });
    await fabi.startChat('eva');
    await fabi.type('eva', 'online first');
    await serviceWorkerInControl(fabi.page);
    await fabi.context.setOffline(true);
    await fabi.page.getByText('Offline: messages will be sent when the connection is back.').waitFor();

    await fabi.page.getByRole('button', { name: 'Attach' }).click();
    await fabi.page.locator('input[type=file][accept="image/*"]:not([capture])').setInputFiles({
      name: 'offline.jpg',
      mimeType: 'image/jpeg',
      buffer: await photo(600, 800),
    });
    await fabi.type('eva', 'sem rede');
    const pending = fabi.myBubble('sem rede').and(fabi.page.locator('[data-status="pending"]'));
    await pending.getByRole('img', { name: 'offline.jpg' }).waitFor();
    // Closed and opened again, still offline: the photo comes back from IndexedDB, still pending.
    await fabi.page.reload();
    await pending.getByRole('img', { name: 'offline.jpg' }).waitFor();

    await fabi.context.setOffline(false);
    await eva.openChat('fabi');
    const arrived = eva.bubble('sem rede').getByRole('img', { name: 'offline.jpg' });
    await arrived.waitFor({ timeout: 30_000 });
    expect(await arrived.getAttribute('width')).toBe('600');
    await expect.poll(() => fabi.myBubble('sem rede').getAttribute('data-status'), { timeout: 20_000 }).toMatch(/sent|delivered|read/);
    expect(await eva.page.getByRole('img', { name: 'offline.jpg' }).count()).toBe(1);
  }, 90_000);
});
