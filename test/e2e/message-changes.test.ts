import { describe, expect, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

describe.skipIf(!e2eEnabled())('PWA: edit, delete, reply and search (issue #18)', () => {
  const stage = stageForThisFile();

  it('when the sender edits and deletes a message, then both sides see it live: "edited", then "deleted"', async () => {
    const rui = await stage.people.loggedIn('rui');
    const sol = await stage.people.loggedIn('sol');
    await rui.startChat('sol');
    await rui.type('sol', 'Vejo você às 8');
    await rui.type('sol', 'Mandei a senha 1234 por engano');
    await sol.openChat('rui');
    await sol.bubble('Mandei a senha 1234 por engano').waitFor();

    // Edit: through the bubble's actions (the keyboard's way to what a long press opens)
    await rui.bubble('Vejo você às 8').getByRole('button', { name: 'Message actions' }).click();
    await rui.page.getByRole('menuitem', { name: 'Edit' }).click();
    await expect.poll(() => rui.composer('sol').inputValue()).toBe('Vejo você às 8');
    await rui.composer('sol').fill('Vejo você às 9');
    await rui.composer('sol').press('Enter');
    await rui.bubble('Vejo você às 9').getByText('edited').waitFor();
    await sol.bubble('Vejo você às 9').getByText('edited').waitFor();

    // Delete for everyone: a right click (a long press on a phone) opens the same actions
    await rui.bubble('Mandei a senha 1234 por engano').locator('div').first().click({ button: 'right' });
    await rui.page.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await rui.bubble('This message was deleted').waitFor();
    await sol.bubble('This message was deleted').waitFor();
    expect(await sol.bubble('Mandei a senha 1234 por engano').count()).toBe(0);
    await rui.page.screenshot({ path: screenshotPath('edited-deleted-sender-360x640') });
    await sol.page.screenshot({ path: screenshotPath('edited-deleted-recipient-360x640') });
  }, 90_000);

  it('when someone replies, then the quote shows, and a tap on it scrolls to the message, loading older pages', async () => {
    const tom = await ApiUser.signUp(stage.server.url, 'tom');
    const uma = await stage.people.loggedIn('uma');
    const first = await tom.send('uma', 'Qual o endereço da festa?');
    for (let i = 0; i < 70; i++) await tom.send('uma', `mensagem de enchimento ${i}`);
    await uma.openChat('tom');
    await uma.bubble('mensagem de enchimento 69').waitFor();
    expect(await uma.bubble('Qual o endereço da festa?').count()).toBe(0);

    // A reply to the newest message, then a reply (sent over the API) quoting the first one, 70 messages up.
    await uma.bubble('mensagem de enchimento 69').getByRole('button', { name: 'Message actions' }).click();
    await uma.page.getByRole('menuitem', { name: 'Reply' }).click();
    await uma.page.getByText('Replying to tom').waitFor();
    await uma.type('tom', 'Recebi tudo!');
    await uma
      .bubble('Recebi tudo!')
      .getByRole('button', { name: /Reply to tom: mensagem de enchimento 69/ })
      .waitFor();
    await tom.sendReply('uma', 'Rua das Flores, 12', first.id);
    const reply = uma.bubble('Rua das Flores, 12');
    await reply.waitFor();
    await uma.page.screenshot({ path: screenshotPath('reply-360x640') });
    await reply.getByRole('button', { name: /Reply to tom: Qual o endereço da festa\?/ }).click();
    await uma.bubble('Qual o endereço da festa?').waitFor();
    await expect.poll(() => uma.bubble('Qual o endereço da festa?').isVisible()).toBe(true);
  }, 120_000);

  it('when searching without accents, then the results mark the words and a tap opens the message in its chat', async () => {
    const vic = await ApiUser.signUp(stage.server.url, 'vic');
    const zeca = await stage.people.loggedIn('zeca');
    await vic.send('zeca', 'A reunião da associação é amanhã');
    await vic.send('zeca', 'Não esqueça a ação de sábado');
    await vic.send('zeca', 'outra coisa');
    await zeca.page.getByRole('button', { name: 'Search your messages' }).click();
    // The server's answer is held back, as the first search of a long history is: the panel says it is searching.
    let answer = () => {};
    const held = new Promise<void>((resolve) => (answer = resolve));
    await zeca.page.route('**/api/search?*', async (route) => {
      await held;
      await route.continue();
    });
    await zeca.page.getByRole('searchbox', { name: 'Search your messages' }).fill('acao');
    await zeca.page.getByText('Searching…').waitFor();
    await zeca.page.screenshot({ path: screenshotPath('search-searching-360x640') });
    answer();
    await zeca.page.locator('mark', { hasText: 'ação' }).waitFor();
    expect(await zeca.page.getByText('Searching…').count()).toBe(0);
    await zeca.page.unroute('**/api/search?*');
    expect(await zeca.page.locator('mark').allTextContents()).toEqual(['ação']);
    await zeca.page.getByRole('searchbox', { name: 'Search your messages' }).fill('reuni assoc');
    await zeca.page.locator('mark', { hasText: 'associação' }).waitFor();
    await zeca.page.screenshot({ path: screenshotPath('search-results-360x640') });
    await zeca.page.locator('mark', { hasText: 'associação' }).click();
    await zeca.page.getByRole('textbox', { name: 'Message to vic' }).waitFor();
    await zeca.bubble('A reunião da associação é amanhã').waitFor();
  }, 90_000);
});
