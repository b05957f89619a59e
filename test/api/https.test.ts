import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../api/config.js';
import { expectMatchesSpec } from '../support/contract.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { PASSWORD } from '../support/users.js';
import { setCookieLine } from '../support/cookies.js';

// A self-signed certificate for localhost and 127.0.0.1, valid for a century: a fixture, not a secret.
const CERT = fileURLToPath(new URL('../fixtures/tls/localhost-cert.pem', import.meta.url));
const KEY = fileURLToPath(new URL('../fixtures/tls/localhost-key.pem', import.meta.url));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TLS_CERT: CERT, TLS_KEY: KEY } });
});
afterAll(async () => {
  await server.destroy();
});

describe('HTTPS (TLS_CERT, TLS_KEY)', () => {
  it('when both are set, then the server speaks HTTPS and its session cookie is Secure', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await supertest(server.url).post('/api/session').ca(readFileSync(CERT)).send({ username: 'tls-user', password: PASSWORD });
    expectMatchesSpec(res, 'post', '/api/session');
    expect(res.status).toBe(201);
    expect(setCookieLine(res)).toMatch(/;\s*Secure/i);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('when only one is set or a file is missing, then the configuration is refused, naming the problem', () => {
    expect(() => loadConfig({ TLS_CERT: CERT })).toThrow(ConfigError);
    expect(() => loadConfig({ TLS_CERT: CERT })).toThrow(/TLS_CERT and TLS_KEY go together/);
    expect(() => loadConfig({ TLS_CERT: CERT, TLS_KEY: '/nonexistent/key.pem' })).toThrow(/TLS_KEY names a file that does not exist/);
  });
});
