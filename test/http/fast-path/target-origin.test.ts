/**
 * Where a request was addressed (`targetOriginOf`, api/http/fast-path/target-origin.ts) against Express 5's
 * own `req.protocol`, `req.host` and `req.secure`, under each kind of TRUST_PROXY, over HTTP and TLS: a bare
 * Express app answers both readings of every request, which must agree.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetOriginOf, type TrustProxy } from '../../../api/http/fast-path/target-origin.js';

const CERT = readFileSync(fileURLToPath(new URL('../../fixtures/tls/localhost-cert.pem', import.meta.url)));
const KEY = readFileSync(fileURLToPath(new URL('../../fixtures/tls/localhost-key.pem', import.meta.url)));

function bareApp(trustProxy: false | number | string): express.Express {
  const app = express();
  app.set('trust proxy', trustProxy);
  app.get('/', (req, res) => {
    const express = { secure: req.secure, origin: `${req.protocol}://${req.host}` };
    res.json({ express, fastPath: targetOriginOf(req, app.get('trust proxy fn') as TrustProxy) });
  });
  return app;
}

const HEADERS: Record<string, string>[] = [
  {},
  { 'X-Forwarded-Proto': 'https' },
  { 'X-Forwarded-Proto': 'https, http' },
  { 'X-Forwarded-Proto': ' https ,http' },
  { 'X-Forwarded-Proto': 'http' },
  { 'X-Forwarded-Proto': '' },
  { 'X-Forwarded-Host': 'papo.example' },
  { 'X-Forwarded-Host': 'papo.example:8443, proxy.internal' },
  { 'X-Forwarded-Host': 'papo.example ' },
  { 'X-Forwarded-Host': '' },
  { 'X-Forwarded-Host': 'papo.example', 'X-Forwarded-Proto': 'https' },
  { Host: 'PAPO.example:80' },
  { Host: '' },
  { Host: 'papo.example', 'X-Forwarded-Host': 'evil.example' },
];

const TRUST: (false | number | string)[] = [false, 'loopback', 1, '10.0.0.0/8'];

describe('targetOriginOf against Express', () => {
  it.each(TRUST)('when TRUST_PROXY is %j, then over HTTP every request is read as Express reads it', async (trust) => {
    const app = bareApp(trust);
    for (const headers of HEADERS) {
      const res = await request(app).get('/').set(headers).expect(200);
      expect(res.body.fastPath, JSON.stringify(headers)).toEqual(res.body.express);
    }
  });

  describe('over TLS', () => {
    const servers = TRUST.map((trust) => createServer({ cert: CERT, key: KEY }, bareApp(trust)));
    beforeAll(async () => {
      for (const s of servers) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const s of servers) await new Promise((resolve) => s.close(resolve));
    });

    it('when the server speaks TLS itself, then every request is read as Express reads it, under each TRUST_PROXY', async () => {
      for (const s of servers) {
        const url = `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
        for (const headers of HEADERS) {
          // Not verified: a Host other than the certificate's is part of what is asked.
          const res = await request(url).get('/').disableTLSCerts().set(headers).expect(200);
          expect(res.body.fastPath, JSON.stringify(headers)).toEqual(res.body.express);
        }
      }
    });
  });
});
