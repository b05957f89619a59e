import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { specAgent } from '../support/contract.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { poll, send, signUp } from '../support/users.js';

let server: TestServer;
beforeAll(async () => {
  // Cost 13: one hash takes most of a second of CPU, so a hash on the event loop could not hide.
  server = await startTestServer({ env: { BCRYPT_COST: '13' } });
});
afterAll(async () => {
  await server.destroy();
});

describe('password hashing', () => {
  it('when several sign-ups hash at once, then the event loop stays free and messages keep flowing', async () => {
    const a = await signUp(server.url, 'uma');
    const b = await signUp(server.url, 'vera');
    const { cursor } = await poll(b);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const signUps = Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        specAgent(server.url)
          .post('/api/session')
          .send({ username: `storm${i}`, password: 'correct horse battery' })
          .expect(201),
      ),
    );
    // While those hash, a message goes through end to end.
    const held = poll(b, cursor, 20);
    const m = await send(a, 'vera', 'still flowing');
    const got = await held;
    await signUps;
    delay.disable();
    expect(got.events).toEqual([{ type: 'message', message: { ...m, status: 'sent' } }]);
    // One cost-13 hash on this thread would block it for hundreds of milliseconds; the workers leave only
    // ordinary scheduling noise.
    expect(delay.max / 1e6).toBeLessThan(200);
  });
});
