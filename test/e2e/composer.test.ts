import { describe, expect, it } from 'vitest';
import { e2eEnabled } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

describe.skipIf(!e2eEnabled())('PWA: what the composer sends, and how a message shows (issue #19)', () => {
  const stage = stageForThisFile();

  it('when a message starts with a slash that is no command, then it is sent as typed; // sends a leading slash (item 2)', async () => {
    const otto = await stage.people.loggedIn('otto');
    const pia = await stage.people.loggedIn('pia');
    await pia.startChat('otto');

    await pia.type('otto', '/etc/hosts é o arquivo de nomes');
    await pia.myBubble('/etc/hosts é o arquivo de nomes').waitFor();
    await pia.type('otto', '//msg não é comando');
    await pia.myBubble('/msg não é comando').waitFor();

    expect(await pia.composer('otto').inputValue()).toBe('');
    expect(await pia.page.getByRole('alert').count()).toBe(0);
    await otto.openChat('pia');
    await otto.bubble('/msg não é comando').waitFor();
  }, 60_000);

  it('when more than 4,000 characters are pasted, then all stay in the field, a counter and the reason show, and Send is off (item 3)', async () => {
    await ApiUser.signUp(stage.server.url, 'quim');
    const rosa = await stage.people.loggedIn('rosa');
    await rosa.startChat('quim');
    const field = rosa.composer('quim');
    const send = rosa.page.getByRole('button', { name: 'Send' });

    await field.fill('a'.repeat(3600));
    await rosa.page.getByText('3,600 / 4,000 characters').waitFor();
    expect(await send.isEnabled()).toBe(true);

    const pasted = 'b'.repeat(4213);
    await field.fill(pasted);
    expect(await field.inputValue()).toBe(pasted);
    await rosa.page.getByRole('alert').getByText('Too long to send: 213 characters over the limit of 4,000.', { exact: false }).waitFor();
    expect(await send.isDisabled()).toBe(true);
    await field.press('Enter');
    expect(await field.inputValue()).toBe(pasted);
    expect(await rosa.page.locator('li[data-status]').count()).toBe(0);

    await field.press('End');
    for (let i = 0; i < 213; i++) await field.press('Backspace');
    expect(await send.isEnabled()).toBe(true);
    await field.press('Enter');
    await rosa.page.locator('li[data-status]').first().waitFor();
    expect(await rosa.page.getByRole('alert').count()).toBe(0);
  }, 90_000);

  it('when a message holds web addresses, then the http(s) ones are safe links and the rest stays text (item 7)', async () => {
    const tai = await ApiUser.signUp(stage.server.url, 'tai');
    const sol = await stage.people.loggedIn('sol');
    await tai.send('sol', 'olha https://papo.example.com/x?y=1. e javascript:alert(1) <b>oi</b>');
    await sol.openChat('tai');

    const bubble = sol.page.locator('li', { hasText: 'olha' });
    const links = bubble.getByRole('link');
    await links.first().waitFor();
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute('href')).toBe('https://papo.example.com/x?y=1');
    expect(await links.first().getAttribute('rel')).toBe('noopener noreferrer');
    expect(await links.first().getAttribute('target')).toBe('_blank');
    expect(await links.first().textContent()).toBe('https://papo.example.com/x?y=1');
    expect(await bubble.locator('p').first().textContent()).toBe('olha https://papo.example.com/x?y=1. e javascript:alert(1) <b>oi</b>');
    expect(await bubble.locator('b').count()).toBe(0);
  }, 60_000);
});
