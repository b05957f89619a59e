import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { docsRouter, openApiErrorToAppError, openApiRequestValidator, readSpec } from '../../api/http/openapi.js';
import { SPEC_PATH, specAgent } from '../support/contract.js';

/**
 * The validator and the docs on a bare Express 5 app, wired as api/app.ts wires them, with routes that echo
 * what they received: proves what reaches a handler and what each malformed request answers.
 */
function echoApp(): express.Express {
  const app = express();
  app.use(docsRouter(readSpec(SPEC_PATH)));
  app.use(express.json({ limit: '16kb' }));
  app.use(openApiRequestValidator(readSpec(SPEC_PATH)));
  const echo: express.RequestHandler = (req, res) => {
    res.json({ query: req.query, body: req.body as unknown });
  };
  app.get('/api/messages', echo);
  app.post('/api/messages', echo);
  app.get('/api/history', echo);
  app.get('/', (_req, res) => {
    res.type('html').send('<p>pwa</p>');
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    const appError = openApiErrorToAppError(err);
    if (appError === undefined) {
      next(err);
      return;
    }
    const body = { error: { code: appError.code, message: appError.message } };
    res.status(appError.status).set(appError.headers).json(body);
  });
  return app;
}

describe('openApiRequestValidator', () => {
  const app = echoApp();

  it('when a query is valid, then the handler gets coerced values and defaults', async () => {
    const res = await request(app).get('/api/messages?wait=10&after=c1').expect(200);
    expect(res.body).toEqual({ query: { wait: 10, after: 'c1' } });

    const defaults = await request(app).get('/api/messages').expect(200);
    expect(defaults.body).toEqual({ query: { wait: 25 } });
  });

  it('when wait is not an integer from 0 to 50, then 400 invalid_request names the parameter', async () => {
    for (const wait of ['abc', '1.5', '51', '-1']) {
      const res = await specAgent(app).get(`/api/messages?wait=${wait}`).expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/^query\.wait must be/);
    }
  });

  it('when a query parameter is unknown, repeated or empty, then 400 invalid_request', async () => {
    const unknown = await specAgent(app).get('/api/messages?foo=1').expect(400);
    expect(unknown.body.error).toEqual({ code: 'invalid_request', message: "Unknown query parameter 'foo'" });
    await specAgent(app).get('/api/messages?after=a&after=b').expect(400);
    await specAgent(app).get('/api/history?before=').expect(400);
  });

  it('when the path differs only in case or a trailing slash, then it is still validated', async () => {
    // Express routes /API/messages and /api/messages/ to the /api/messages handler, so they must not bypass the spec.
    await specAgent(app).get('/API/messages?wait=abc').expect(400);
    await specAgent(app).get('/api/messages/?wait=abc').expect(400);
  });

  it('when a body has a field the spec lacks, then 400 unknown_field names it', async () => {
    const body = { to: 'joao', content: 'oi', priority: 'high' };
    const res = await specAgent(app).post('/api/messages').send(body).expect(400);
    expect(res.body.error).toEqual({ code: 'unknown_field', message: 'Unknown field: body.priority' });
  });

  it('when content is over 4000 characters, then 400 says so; 4000 emoji are 4000 characters', async () => {
    const long = await specAgent(app)
      .post('/api/messages')
      .send({ to: 'joao', content: 'x'.repeat(4001) })
      .expect(400);
    expect(long.body.error).toEqual({
      code: 'invalid_request',
      message: 'body.content must NOT have more than 4000 characters',
    });
    await request(app)
      .post('/api/messages')
      .send({ to: 'joao', content: '👍'.repeat(4000) })
      .expect(200);
  });

  it('when a field is missing or of the wrong type, then 400 invalid_request without coercion', async () => {
    const missing = await specAgent(app).post('/api/messages').send({ to: 'joao' }).expect(400);
    expect(missing.body.error.message).toBe('body.content is required');
    const number = await specAgent(app).post('/api/messages').send({ to: 'joao', content: 5 }).expect(400);
    expect(number.body.error.message).toBe('body.content must be string');
    const spaced = { to: 'joao', content: 'oi', clientId: 'a b' };
    const clientId = await specAgent(app).post('/api/messages').send(spaced).expect(400);
    expect(clientId.body.error.message).toMatch(/^body\.clientId must match pattern/);
  });

  it('when content has ; newlines and backslashes, then it reaches the handler exactly', async () => {
    const content = 'a;b\nc\\d\r\n😀';
    const res = await request(app).post('/api/messages').send({ to: 'joao', content }).expect(200);
    expect(res.body.body).toEqual({ to: 'joao', content });
  });

  it('when the body is not JSON, then 415 unsupported_media_type', async () => {
    const text = await specAgent(app).post('/api/messages').set('Content-Type', 'text/plain').send('to=joao').expect(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    await specAgent(app).post('/api/messages').expect(415);
  });

  it('when a method or path is not in the spec, then 404 not_found (with Allow for a known path)', async () => {
    const put = await specAgent(app).put('/api/messages').expect(404);
    expect(put.body.error.code).toBe('not_found');
    expect(put.headers.allow).toBe('GET, POST');
    const unknown = await specAgent(app).get('/api/nothing').expect(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('when a path is outside the API, then the validator lets it through', async () => {
    await request(app).get('/').expect(200);
  });
});

describe('openApiErrorToAppError', () => {
  it("when the error is not the validator's, then it returns undefined", () => {
    const bodyParserError = Object.assign(new SyntaxError('Unexpected token'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    expect(openApiErrorToAppError(bodyParserError)).toBeUndefined();
    expect(openApiErrorToAppError(new Error('boom'))).toBeUndefined();
    expect(openApiErrorToAppError('not even an error')).toBeUndefined();
  });
});

describe('docsRouter', () => {
  const app = echoApp();

  it('when the spec is asked for, then it is the file, as YAML', async () => {
    const res = await specAgent(app).get('/api/openapi.yaml').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    expect(res.text).toMatch(/^openapi: 3\.0\.3/);
  });

  it('when the docs are asked for, then Swagger UI is served from this server', async () => {
    await specAgent(app).get('/api/docs').expect(301).expect('Location', '/api/docs/');
    const page = await specAgent(app).get('/api/docs/').expect(200);
    expect(page.text).toContain('swagger-ui');
    expect(page.text).not.toMatch(/https?:\/\/(?!localhost)[^"']*\.(?:js|css)/);
    const init = await request(app).get('/api/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"title": "Papo API"');
    await request(app).get('/api/docs/swagger-ui-bundle.js').expect(200);
  });
});
