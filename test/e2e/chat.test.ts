import { describe, expect, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { inPage } from './support/in-page.js';
import { ApiUser, PASSWORD } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

describe.skipIf(!e2eEnabled())('PWA: people chatting live (issue #3)', () => {
  const stage = stageForThisFile();

  it('when two people sign up in two browsers, then they talk both ways, live', async () => {
    // Arrange
    const ana = await stage.people.open('ana');
    const bia = await stage.people.open('bia');
    await ana.page.goto('/');
    await ana.page.getByText('a username nobody has yet creates your account').waitFor();
    await ana.page.screenshot({ path: screenshotPath('login-360x640') });
    await ana.logIn();
    await ana.page.getByText('Welcome, ana! Your account was created.').waitFor();
    await bia.logIn();

    // Act: ana starts the conversation, bia answers from her list
    await ana.startChat('bia');
    await ana.type('bia', 'Oi Bia! Tudo bem? 🎉');
    await bia.page.locator('a[data-peer="ana"]').getByText('Oi Bia! Tudo bem? 🎉').waitFor();
    await bia.openChat('ana');
    await bia.type('ana', 'Tudo ótimo, e você?\nSaudades!');

    // Assert: each sees the other's message without reloading
    await ana.bubble('Tudo ótimo, e você?\nSaudades!').waitFor();
    await bia.bubble('Oi Bia! Tudo bem? 🎉').waitFor();
    await ana.type('bia', 'Também! <img src=x onerror=alert(1)>');
    await bia.bubble('Também! <img src=x onerror=alert(1)>').waitFor();
    // Shown as text, never as markup.
    expect(await bia.page.locator('img[src="x"]').count()).toBe(0);
    await ana.myBubble('Também! <img src=x onerror=alert(1)>').and(ana.page.locator('[data-status="read"]')).waitFor();
    await ana.page.screenshot({ path: screenshotPath('conversation-360x640') });
  }, 60_000);

  it('when a message reaches someone who was away, then its ticks go sent, delivered, read', async () => {
    // Arrange: cris exists but has no device online
    await ApiUser.signUp(stage.server.url, 'cris');
    const gil = await stage.people.loggedIn('gil');
    await gil.startChat('cris');

    // Act + Assert: sent while cris is away
    await gil.type('cris', 'Are you there?');
    const bubble = gil.myBubble('Are you there?');
    await expect.poll(() => bubble.getAttribute('data-status')).toBe('sent');
    await expect(bubble.getByRole('img', { name: 'Sent' }).count()).resolves.toBe(1);

    // cris opens the app: the message reaches her device (delivered) and waits in her list, unread
    const cris = await stage.people.open('cris');
    await cris.logIn();
    const row = cris.page.locator('a[data-peer="gil"]');
    await row.getByLabel('1 unread').waitFor();
    await expect.poll(() => bubble.getAttribute('data-status')).toBe('delivered');
    await cris.page.screenshot({ path: screenshotPath('list-unread-360x640') });

    // cris reads it
    await cris.openChat('gil');
    await cris.bubble('Are you there?').waitFor();
    await expect.poll(() => bubble.getAttribute('data-status')).toBe('read');
    await expect(bubble.getByRole('img', { name: 'Read' }).count()).resolves.toBe(1);
    await cris.page.getByRole('button', { name: 'Back' }).click();
    await expect(row.getByLabel('1 unread').count()).resolves.toBe(0);
  }, 60_000);

  it('when the phone is set to Portuguese and dark mode, then the app follows it', async () => {
    await ApiUser.signUp(stage.server.url, 'ivo');
    const dani = await stage.people.open('dani', { locale: 'pt-BR', colorScheme: 'dark' });
    await dani.page.goto('/');
    await dani.page.getByRole('heading', { name: 'Entrar ou criar conta' }).waitFor();
    expect(await dani.page.locator('html').getAttribute('lang')).toBe('pt-BR');
    const background = await inPage(dani.page, (window) => {
      const main = window.document.querySelector('main');
      return main ? window.getComputedStyle(main).backgroundColor : 'no main';
    });
    expect(background).toBe('rgb(32, 44, 51)');
    await dani.page.screenshot({ path: screenshotPath('login-pt-dark-360x640') });
    await dani.page.getByLabel('Nome de usuário').fill('dani');
    await dani.page.getByLabel('Senha').fill(PASSWORD);
    await dani.page.getByRole('button', { name: 'Entrar' }).click();
    await dani.page.getByLabel('Conversar com (nome de usuário)').fill('ivo');
    await dani.page.getByRole('button', { name: 'Abrir' }).click();
    await dani.page.getByRole('textbox', { name: 'Mensagem para ivo' }).fill('Olá, tudo bem?');
    await dani.page.getByRole('textbox', { name: 'Mensagem para ivo' }).press('Enter');
    await dani.page.locator('li[data-status]').getByText('Olá, tudo bem?').waitFor();
    await dani.page.screenshot({ path: screenshotPath('conversation-pt-dark-360x640') });
  }, 60_000);

  it('when someone uses only the keyboard, then they can log in, open a chat and send', async () => {
    await ApiUser.signUp(stage.server.url, 'jon');
    const eli = await stage.people.open('eli', { width: 1024, height: 768 });
    await eli.page.goto('/');
    await eli.page.getByLabel('Username').waitFor();
    const { keyboard } = eli.page;
    const focused = () => eli.page.evaluate('document.activeElement && document.activeElement.id');
    await keyboard.press('Tab');
    expect(await focused()).toBe('login-username');
    await keyboard.type('eli');
    await keyboard.press('Tab');
    expect(await focused()).toBe('login-password');
    await keyboard.type(PASSWORD);
    await keyboard.press('Enter');
    await eli.page.getByLabel('Start a chat with (username)').waitFor();
    for (let tabs = 0; tabs < 6 && (await focused()) !== 'new-chat'; tabs++) await keyboard.press('Tab');
    expect(await focused()).toBe('new-chat');
    await keyboard.type('jon');
    await keyboard.press('Enter');
    // The composer takes the focus when a chat opens on a computer.
    await expect
      .poll(() => eli.page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")'))
      .toBe('Message to jon');
    await keyboard.type('typed, not clicked');
    await keyboard.press('Enter');
    await eli.myBubble('typed, not clicked').waitFor();
  });

  it('when the screen is 360 px wide, then nothing scrolls sideways and every control is at least 44 px', async () => {
    // Arrange: kai has two conversations, one of them open
    const kai = await stage.people.loggedIn('kai');
    for (const [peer, text] of [
      ['lia', 'Oi Kai! Tudo bem? 🎉'],
      ['mel', 'Olá, tudo bem?'],
    ] as const) {
      await (await ApiUser.signUp(stage.server.url, peer)).send('kai', text);
      await kai.page.locator(`a[data-peer="${peer}"]`).waitFor();
    }
    await kai.openChat('lia');
    await kai.type('lia', 'Tudo ótimo, e você?\nSaudades!');
    await kai.myBubble('Tudo ótimo, e você?\nSaudades!').waitFor();

    const layout = await inPage(kai.page, (window) => {
      const small = Array.from(window.document.querySelectorAll('button, a[href], input, textarea'))
        .filter((element) => element.offsetParent !== null)
        .map((element) => ({ name: element.getAttribute('aria-label') ?? element.textContent, rect: element.getBoundingClientRect() }))
        .filter(({ rect }) => rect.width < 44 || rect.height < 44)
        .map(({ name, rect }) => `${name} ${rect.width}x${rect.height}`);
      return { overflow: window.document.documentElement.scrollWidth - window.innerWidth, small };
    });
    expect(layout.overflow).toBe(0);
    expect(layout.small).toEqual([]);

    await kai.page.getByRole('button', { name: 'Back' }).click();
    await kai.page.locator('a[data-peer="mel"]').waitFor();
    await kai.page.screenshot({ path: screenshotPath('list-360x640') });
    await kai.page.setViewportSize({ width: 1280, height: 800 });
    await kai.openChat('lia');
    await kai.page.screenshot({ path: screenshotPath('conversation-1280x800') });
  });
});
