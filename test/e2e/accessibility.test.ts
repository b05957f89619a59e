import { describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { e2eEnabled } from './support/harness.js';
import { ApiUser } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** The 401 of the login screen's wrong password is provoked on purpose. */
const refusals = { expected: { refusals: true } };

describe.skipIf(!e2eEnabled())('PWA: accessibility, every screen in both themes (issue #19, item 5)', () => {
  const stage = stageForThisFile();

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`when each screen is open (${colorScheme}), then axe-core finds no serious or critical violation`, async () => {
      const peer = `bel${colorScheme}`;
      const bel = await ApiUser.signUp(stage.server.url, peer);
      const caio = await stage.people.open(`caio${colorScheme}`, { colorScheme, ...refusals });
      const found: Record<string, string[]> = {};

      await caio.page.goto('/');
      await caio.page.getByLabel('Username').waitFor();
      found.login = await seriousViolations(caio.page);
      await caio.page.getByLabel('Username').fill(caio.name);
      await caio.page.getByLabel('Password').fill('not the right one, surely');
      await caio.logIn();
      found.list = await seriousViolations(caio.page);

      await bel.send(caio.name, 'oi, https://papo.example.com');
      await caio.startChat(peer);
      await caio.type(peer, 'tudo bem?');
      await caio.page.locator('li[data-status="read"], li[data-status="delivered"], li[data-status="sent"]').first().waitFor();
      await caio.bubble('oi, https://papo.example.com').waitFor();
      found.chat = await seriousViolations(caio.page);

      // Back puts the focus on the row of the conversation just left, not on the page's body.
      await caio.page.getByRole('button', { name: 'Back' }).click();
      await caio.page.getByLabel('Start a chat with (username)').waitFor();
      await expect
        .poll(() =>
          caio.page
            .locator(':focus')
            .getAttribute('data-peer', { timeout: 1000 })
            .catch(() => 'nothing focused'),
        )
        .toBe(peer);

      await caio.page.goto('/#/settings');
      await caio.page.locator('section[data-section="account"]').waitFor();
      found.settings = await seriousViolations(caio.page);

      await caio.page.goto('/#/history');
      await caio.page.getByText('tudo bem?').first().waitFor();
      found.history = await seriousViolations(caio.page);

      expect(found).toEqual({ login: [], list: [], chat: [], settings: [], history: [] });
    }, 120_000);
  }
});
