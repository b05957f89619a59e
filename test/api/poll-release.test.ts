import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES, startTestServer, type TestServer } from '../support/server.js';
import { PASSWORD } from '../support/users.js';
import { cookieFromHeaders } from '../support/cookies.js';
import { heldPolls } from '../support/metrics.js';

describe.each(STORES)('a held poll whose client goes away, on the %s store', (store) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store });
  });
  afterAll(async () => {
    await server.destroy();
  });

  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  it('when the client disconnects before the answer, then the poll stops counting against the limits', async () => {
    const login = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'leaver', password: PASSWORD }),
    });
    const cookie = cookieFromHeaders(login.headers);
    const gone = new AbortController();
    const poll = fetch(`${server.url}/api/messages?wait=30`, { headers: { cookie }, signal: gone.signal }).catch(() => undefined);
    await settle();
    expect(await heldPolls(server.url)).toBe(1);
    gone.abort();
    await poll;
    await settle();
    expect(await heldPolls(server.url)).toBe(0);
  });
});
