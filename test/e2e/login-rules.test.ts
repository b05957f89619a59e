import { describe, it } from 'vitest';
import { e2eEnabled, screenshotPath } from './support/harness.js';
import { PASSWORD, type Person } from './support/person.js';
import { stageForThisFile } from './support/stage.js';

/** A refused sign-up is a 400 the login screen expects and shows; Chromium still logs it as a console error. */
const refusedSignUps = { expected: { refusals: true, also: /^Failed to load resource: the server responded with a status of 400/ } };

describe.skipIf(!e2eEnabled())('PWA: the rules for new accounts (issue #15)', () => {
  const stage = stageForThisFile();

  async function tryToSignUp(
    person: Person,
    labels: { username: string; password: string; enter: string },
    name: string,
    password: string,
  ) {
    const { page } = person;
    await page.getByLabel(labels.username).fill(name);
    await page.getByLabel(labels.password).fill(password);
    await page.getByRole('button', { name: labels.enter }).click();
  }

  it('when a new name or password breaks a rule, then the login screen shows the server’s reason as text, and a good pair gets in', async () => {
    const carla = await stage.people.open('carla', refusedSignUps);
    await carla.page.goto('/');
    const en = { username: 'Username', password: 'Password', enter: 'Enter' };
    await carla.page.getByText('3 to 32 letters a-z or digits, with a single _ . or - only between them').waitFor();

    await tryToSignUp(carla, en, 'carla.', PASSWORD);
    const alert = carla.page.getByRole('alert');
    await alert.getByText('A new username cannot end with "."; new usernames are 3 to 32 characters', { exact: false }).waitFor();

    await tryToSignUp(carla, en, 'carla', 'carla1990');
    await alert.getByText('A password cannot be or contain the username; choose another.').waitFor();
    await carla.page.screenshot({ path: screenshotPath('login-rules-password') });

    await tryToSignUp(carla, en, 'carla', '12345678');
    await alert.getByText(/^A password cannot be made only of runs of consecutive or repeated characters/).waitFor();

    await tryToSignUp(carla, en, 'carla', PASSWORD);
    await carla.page.getByLabel('Start a chat with (username)').waitFor();
  }, 60_000);

  it('when the screen is in Portuguese, then the rules under the fields are too, and the server’s reason still shows', async () => {
    const davi = await stage.people.open('davi', { locale: 'pt-BR', ...refusedSignUps });
    await davi.page.goto('/');
    await davi.page.getByText('3 a 32 letras a-z ou números, com um só _ . ou - apenas entre eles').waitFor();
    await davi.page.getByText('Para uma conta nova: pelo menos 8 caracteres, sem o nome de usuário', { exact: false }).waitFor();
    await tryToSignUp(davi, { username: 'Nome de usuário', password: 'Senha', enter: 'Entrar' }, 'davi', 'aaaaaaaa');
    await davi.page
      .getByRole('alert')
      .getByText('A password cannot be one character or a group of characters repeated', { exact: false })
      .waitFor();
  }, 60_000);
});
