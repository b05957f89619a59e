/**
 * The login limits hold under concurrency: guesses sent all at once must not all pass the check before the
 * first of them is counted. The limit was read before bcrypt and counted after it, so a burst of parallel
 * wrong passwords each saw the old count and were all verified (issue #15, item 6).
 */
import { describe, expect, it } from 'vitest';
import { specAgent } from '../support/contract.js';
import { STORES, type StoreKind, testServers } from '../support/server.js';
import { PASSWORD } from '../support/users.js';

const servers = testServers();
const BURST = 30;

describe.each(STORES)('login limits under a burst on the %s store', (store: StoreKind) => {
  it('when 30 wrong passwords for one username arrive at once, then at most the limit of them are checked and the rest get 429', async () => {
    const s = await servers.start({ store, env: { LOGIN_FAILURES_PER_USERNAME: '5', LOGIN_FAILURES_PER_ADDRESS: '0' } });
    await specAgent(s.url).post('/api/session').send({ username: 'maria', password: PASSWORD }).expect(201);

    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        specAgent(s.url)
          .post('/api/session')
          .send({ username: 'maria', password: `wrong guess ${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((st) => st !== 401 && st !== 429)).toEqual([]);
    expect(statuses.filter((st) => st === 401).length).toBeLessThanOrEqual(5);
    // The next stranger is still refused: the burst was counted.
    await specAgent(s.url).post('/api/session').send({ username: 'maria', password: 'one more guess' }).expect(429);
  });

  it('when 30 wrong passwords come at once from one address, then at most that address’s limit of them are checked', async () => {
    const s = await servers.start({ store, env: { LOGIN_FAILURES_PER_USERNAME: '0', LOGIN_FAILURES_PER_ADDRESS: '5' } });
    for (const name of ['maria', 'joana'])
      await specAgent(s.url).post('/api/session').send({ username: name, password: PASSWORD }).expect(201);

    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        specAgent(s.url)
          .post('/api/session')
          .send({ username: i % 2 === 0 ? 'maria' : 'joana', password: `wrong guess ${i}` }),
      ),
    );
    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status !== 401 && a.status !== 429)).toEqual([]);
  });

  it('when 30 sign-ups come at once from one address, then at most that address’s limit of accounts are made', async () => {
    const s = await servers.start({ store, env: { SIGNUPS_PER_ADDRESS: '5' } });
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        specAgent(s.url)
          .post('/api/session')
          .send({ username: `pessoa${i}`, password: PASSWORD }),
      ),
    );
    expect(answers.filter((a) => a.status === 201).length).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status !== 201 && a.status !== 429)).toEqual([]);
  });
});
