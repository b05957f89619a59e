/**
 * The fast path's validators (api/http/fast-path/operation-validator.ts) against express-openapi-validator,
 * the library directly: two bare Express apps with the API's JSON parser and error answer, one validating
 * with the library as api/app.ts mounts it, the other with the compiled validators on the query as the fast
 * path parses it; each echoes what its route received. Every request must get the same status and body from
 * both, successes included, so the coercion and defaults agree too (which the full app cannot show: a poll
 * with a valid `wait` holds).
 */
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorAnswer, errorHandler } from '../../../api/http/error-handler.js';
import { queryOf } from '../../../api/http/fast-path/message-routes.js';
import { compileOperation } from '../../../api/http/fast-path/operation-validator.js';
import { jsonBody } from '../../../api/http/json-body.js';
import { openApiRequestValidator, readSpec } from '../../../api/http/openapi.js';
import { createLogger } from '../../../api/logger.js';
import { SPEC_PATH } from '../../support/contract.js';

function bareApp(validate: (app: express.Express) => express.RequestHandler): express.Express {
  const app = express();
  app.use(jsonBody());
  const echo = validate(app);
  app.post('/api/messages', echo);
  app.get('/api/messages', echo);
  app.use(errorHandler(errorAnswer(createLogger({ level: 'silent' }))));
  return app;
}

const library = bareApp((app) => {
  app.use(openApiRequestValidator(readSpec(SPEC_PATH)));
  return (req, res) => void res.json({ query: req.query, body: req.body as unknown });
});

const compiled = bareApp(() => {
  const spec = readSpec(SPEC_PATH).document;
  const validators = { GET: compileOperation(spec, '/api/messages', 'get'), POST: compileOperation(spec, '/api/messages', 'post') };
  return (req, res) => {
    const validate = req.method === 'POST' ? validators.POST : validators.GET;
    const query = validate({ query: queryOf(req.originalUrl), body: req.body, headers: req.headers });
    res.json({ query, body: req.body as unknown });
  };
});

async function same(send: (app: express.Express) => request.Test): Promise<request.Response> {
  const [a, b] = await Promise.all([send(library), send(compiled)]);
  expect({ status: b.status, body: b.body as unknown }).toEqual({ status: a.status, body: a.body as unknown });
  return b;
}

describe('compileOperation against express-openapi-validator', () => {
  it('when a poll query is valid or not, then it answers exactly as express-openapi-validator', async () => {
    const queries = [
      '',
      '?wait=10&after=c1',
      '?wait=0',
      '?wait=50',
      '?wait=abc',
      '?wait=1.5',
      '?wait=51',
      '?wait=-1',
      '?wait=',
      '?after=',
      '?after=a&after=b',
      '?wait=1&wait=2',
      `?after=${'x'.repeat(201)}`,
      `?after=${'x'.repeat(200)}`,
      '?foo=1',
      '?after=%F0%9F%91%8D',
      '?wait=1e1',
      '?wait=%20%205',
      '?wait=0x10',
      '?wait=true',
    ];
    for (const q of queries) await same((app) => request(app).get(`/api/messages${q}`));
    expect((await same((app) => request(app).get('/api/messages'))).body).toEqual({ query: { wait: 25 } });
  });

  it('when a send body is valid or not, then it answers exactly as express-openapi-validator', async () => {
    const bodies: unknown[] = [
      { to: 'joao', content: 'oi' },
      { to: 'joao', content: 'oi', clientId: 'abc-1' },
      { to: 'joao' },
      { content: 'oi' },
      {},
      { to: 'joao', content: 5 },
      { to: 5, content: 'oi' },
      { to: 'joao', content: '' },
      { to: 'joao', content: 'x'.repeat(4001) },
      { to: 'joao', content: '👍'.repeat(4000) },
      { to: 'j'.repeat(1025), content: 'oi' },
      { to: 'joao', content: 'oi', clientId: 'a b' },
      { to: 'joao', content: 'oi', clientId: '' },
      { to: 'joao', content: 'oi', priority: 'high' },
      { to: 'joao', content: null },
      [],
      'text',
      42,
      null,
    ];
    for (const body of bodies) {
      await same((app) => request(app).post('/api/messages').set('Content-Type', 'application/json').send(JSON.stringify(body)));
    }
  });

  it('when a send is not JSON or has a query, then it answers exactly as express-openapi-validator', async () => {
    await same((app) => request(app).post('/api/messages'));
    await same((app) => request(app).post('/api/messages').set('Content-Type', 'text/plain').send('to=joao'));
    await same((app) => request(app).post('/api/messages').type('form').send({ to: 'joao', content: 'oi' }));
    await same((app) =>
      request(app).post('/api/messages').set('Content-Type', 'application/json; charset=utf-8').send('{"to":"j","content":"c"}'),
    );
    await same((app) => request(app).post('/api/messages').set('Content-Type', 'APPLICATION/JSON').send('{"to":"j","content":"c"}'));
    await same((app) => request(app).post('/api/messages').set('Content-Type', 'application/json').send(''));
    await same((app) => request(app).post('/api/messages?wait=1').send({ to: 'joao', content: 'oi' }));
  });
});
