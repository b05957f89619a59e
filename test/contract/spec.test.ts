import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { openApiRequestValidator, readSpec } from '../../api/http/openapi.js';
import { ERROR_STATUS } from '../../api/errors.js';
import { contract, expectMatchesSpec, SPEC_PATH, type ResponseLike } from '../support/contract.js';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const spec = contract();
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
// Served for people, not validated (the validator ignores them), so they answer no API errors.
const DOCUMENT_PATHS = new Set(['/api/openapi.yaml', '/api/docs']);

interface Operation {
  name: string;
  path: string;
  method: string;
  node: Json;
  pointer: string;
  responses: Map<number, Json>;
}

function operations(): Operation[] {
  const found: Operation[] = [];
  for (const [path, item] of Object.entries(spec.document.paths as Json)) {
    if (!isRecord(item)) continue;
    for (const method of METHODS) {
      const op = spec.operation(method, path);
      if (op === undefined) continue;
      const responses = new Map<number, Json>();
      for (const [status, raw] of Object.entries(op.node.responses as Json)) {
        const { node } = spec.resolve(raw, '');
        if (isRecord(node)) responses.set(Number(status), node);
      }
      found.push({ name: `${method.toUpperCase()} ${path}`, path, method, ...op, responses });
    }
  }
  return found;
}

function codesOf(response: Json | undefined): string[] {
  const codes = response?.['x-error-codes'];
  return Array.isArray(codes) ? codes.filter((code): code is string => typeof code === 'string') : [];
}

function needsSession(op: Operation): boolean {
  const security = op.node.security ?? spec.document.security;
  // `{}` among the alternatives means the operation also works without credentials.
  if (!Array.isArray(security) || security.length === 0) return false;
  return !security.some((alternative) => isRecord(alternative) && Object.keys(alternative).length === 0);
}

/** Every schema in the document, wherever it sits, with where it sits. */
function* schemas(node: unknown, pointer: string, isSchema: boolean): Generator<[Json, string]> {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* schemas(child, `${pointer}/${i}`, isSchema);
    return;
  }
  if (!isRecord(node)) return;
  if (isSchema && node.$ref === undefined) yield [node, pointer];
  for (const [key, child] of Object.entries(node)) {
    const childIsSchema =
      key === 'schema' ||
      key === 'items' ||
      key === 'oneOf' ||
      key === 'anyOf' ||
      key === 'allOf' ||
      (isSchema && key === 'not') ||
      (key === 'additionalProperties' && isRecord(child));
    if (isSchema && key === 'properties' && isRecord(child)) {
      for (const [name, property] of Object.entries(child)) {
        yield* schemas(property, `${pointer}/properties/${name}`, true);
      }
    } else if (pointer === '/components' && key === 'schemas' && isRecord(child)) {
      for (const [name, schema] of Object.entries(child)) yield* schemas(schema, `/components/schemas/${name}`, true);
    } else if (key !== 'example' && key !== 'examples') {
      yield* schemas(child, `${pointer}/${key}`, childIsSchema);
    }
  }
}

describe('openapi.yaml', () => {
  it('when parsed, then it is OpenAPI 3.0.3 and documents every route of the API', () => {
    expect(spec.document.openapi).toBe('3.0.3');
    expect(
      operations()
        .map((op) => op.name)
        .sort(),
    ).toEqual(
      [
        'GET /healthz',
        'POST /api/session',
        'GET /api/session',
        'DELETE /api/session',
        'GET /api/account/devices',
        'DELETE /api/account/devices',
        'DELETE /api/account/devices/{id}',
        'POST /api/account/password',
        'GET /api/account/export',
        'DELETE /api/account',
        'GET /api/account/blocks',
        'PUT /api/account/blocks/{username}',
        'DELETE /api/account/blocks/{username}',
        'POST /api/messages',
        'GET /api/messages',
        'POST /api/messages/read',
        'GET /api/history',
        'GET /api/conversations',
        'GET /api/profile',
        'PATCH /api/profile',
        'GET /api/users',
        'GET /api/users/{username}',
        'GET /api/users/{username}/photo',
        'POST /api/typing',
        'POST /api/attachments',
        'GET /api/attachments/{id}',
        'GET /api/attachments/{id}/thumbnail',
        'PATCH /api/messages/{id}',
        'DELETE /api/messages/{id}',
        'GET /api/search',
        'GET /api/push/key',
        'PUT /api/push/subscription',
        'DELETE /api/push/subscription',
        'GET /api/openapi.yaml',
        'GET /api/docs',
      ].sort(),
    );
  });

  it('when the request validator loads it, then it is a valid OpenAPI document', async () => {
    // express-openapi-validator checks the document against the OpenAPI schema on the first request; a broken
    // spec surfaces as an error passed to next().
    const app = express();
    app.use(openApiRequestValidator(readSpec(SPEC_PATH)));
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    const errors: unknown[] = [];
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err);
      res.status(500).end();
    });

    const res = await request(app).get('/healthz');

    expect(errors.map(String)).toEqual([]);
    expect(res.status).toBe(200);
  });

  it('when it lists error codes, then they are exactly the codes of api/errors.ts', () => {
    const schema = spec.at('/components/schemas/ErrorCode');
    const codes = isRecord(schema) && Array.isArray(schema.enum) ? schema.enum : [];
    expect([...codes].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    expect(spec.at('/components/schemas/ErrorBody/properties/error/properties/code')).toEqual({
      $ref: '#/components/schemas/ErrorCode',
    });
  });

  it('when an operation can fail, then each error response is an ErrorBody listing codes of its own status', () => {
    for (const op of operations()) {
      for (const [status, response] of op.responses) {
        if (status < 400 || (op.path === '/healthz' && status === 503)) continue;
        const where = `${op.name} ${status}`;
        const json = isRecord(response.content) ? response.content['application/json'] : undefined;
        expect(isRecord(json) ? json.schema : undefined, where).toEqual({ $ref: '#/components/schemas/ErrorBody' });
        const codes = codesOf(response);
        expect(codes.length, `${where} lists no x-error-codes`).toBeGreaterThan(0);
        for (const code of codes) {
          expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS], `${where}: ${code}`).toBe(status);
        }
      }
    }
  });

  it('when a code is in the catalogue, then some operation documents it (not_found: every path the spec lacks)', () => {
    const documented = new Set(operations().flatMap((op) => [...op.responses.values()].flatMap(codesOf)));
    const undocumented = Object.keys(ERROR_STATUS).filter((code) => code !== 'not_found' && !documented.has(code));
    expect(undocumented).toEqual([]);
  });

  it('when an operation is validated, then it documents 400 (unknown query parameter), 500 and (/api) 503', () => {
    for (const op of operations().filter((o) => !DOCUMENT_PATHS.has(o.path))) {
      expect(codesOf(op.responses.get(400)), op.name).toContain('invalid_request');
      if (op.path.startsWith('/api/')) {
        expect(codesOf(op.responses.get(500)), op.name).toEqual(['internal']);
        expect(codesOf(op.responses.get(503)), op.name).toContain('unavailable');
      }
    }
  });

  it('when an operation needs a session, then it documents 401 not_authenticated', () => {
    const guarded = operations().filter(needsSession);
    expect(guarded.map((op) => op.name).sort()).toEqual(
      [
        'GET /api/session',
        'GET /api/account/devices',
        'DELETE /api/account/devices',
        'DELETE /api/account/devices/{id}',
        'POST /api/account/password',
        'GET /api/account/export',
        'DELETE /api/account',
        'GET /api/account/blocks',
        'PUT /api/account/blocks/{username}',
        'DELETE /api/account/blocks/{username}',
        'POST /api/messages',
        'GET /api/messages',
        'POST /api/messages/read',
        'GET /api/history',
        'GET /api/conversations',
        'GET /api/profile',
        'PATCH /api/profile',
        'GET /api/users',
        'GET /api/users/{username}',
        'GET /api/users/{username}/photo',
        'POST /api/typing',
        'POST /api/attachments',
        'GET /api/attachments/{id}',
        'GET /api/attachments/{id}/thumbnail',
        'PATCH /api/messages/{id}',
        'DELETE /api/messages/{id}',
        'GET /api/search',
        'PUT /api/push/subscription',
        'DELETE /api/push/subscription',
      ].sort(),
    );
    for (const op of guarded) expect(codesOf(op.responses.get(401)), op.name).toContain('not_authenticated');
  });

  it('when an operation takes a JSON body, then it documents 400 unknown_field, 413 and 415', () => {
    // An upload's body is the file (POST /api/attachments): it has no fields to be unknown.
    const withBody = operations().filter((op) => JSON.stringify(op.node.requestBody ?? {}).includes('application/json'));
    expect(withBody.map((op) => op.name).sort()).toEqual(
      [
        'POST /api/session',
        'POST /api/messages',
        'POST /api/messages/read',
        'PATCH /api/profile',
        'POST /api/typing',
        'POST /api/account/password',
        'DELETE /api/account',
        'PATCH /api/messages/{id}',
        'PUT /api/push/subscription',
      ].sort(),
    );
    for (const op of withBody) {
      const badRequest = codesOf(op.responses.get(400));
      expect(badRequest, op.name).toEqual(expect.arrayContaining(['invalid_request', 'unknown_field']));
      expect(codesOf(op.responses.get(413)), op.name).toEqual(['payload_too_large']);
      expect(codesOf(op.responses.get(415)), op.name).toEqual(['unsupported_media_type']);
    }
  });

  it('when an operation is under /api (the documentation aside), then it documents 403 forbidden_origin, GET included', () => {
    const api = operations().filter((op) => op.path.startsWith('/api/') && !DOCUMENT_PATHS.has(op.path));
    expect(api.length).toBeGreaterThan(0);
    // A 403 may also carry the domain's refusal (not_your_message, issue #18) beside the origin check's.
    for (const op of api) expect(codesOf(op.responses.get(403)), op.name).toContain('forbidden_origin');
  });

  it('when an operation is not /healthz, then it documents 421 misdirected_request (PUBLIC_ORIGIN checks every other path)', () => {
    for (const op of operations()) {
      expect(codesOf(op.responses.get(421)), op.name).toEqual(op.path === '/healthz' ? [] : ['misdirected_request']);
    }
  });

  it('when the spec describes an object, then it forbids unknown properties', () => {
    const open = [...schemas(spec.document, '', false)]
      .filter(([schema]) => schema.type === 'object' || schema.properties !== undefined)
      .filter(([schema]) => schema.additionalProperties !== false)
      .map(([, pointer]) => pointer);
    expect(open).toEqual([]);
  });

  it('when a request carries a string, then the spec bounds its length', () => {
    const unbounded = [...schemas(spec.document, '', false)]
      .filter(([, pointer]) => pointer.includes('/parameters/') || /^\/components\/schemas\/\w+Request\//.test(pointer))
      .filter(([schema]) => schema.type === 'string' && schema.maxLength === undefined && schema.pattern === undefined)
      .map(([, pointer]) => pointer);
    expect(unbounded).toEqual([]);
  });
});

describe('expectMatchesSpec', () => {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const message = {
    id: 'm1',
    from: 'maria',
    to: 'joao',
    content: 'Olá; \\ \n 👍',
    sentAt: '2025-01-31T12:00:00.000Z',
    status: 'sent',
  };
  const answer = (status: number, body: unknown, headers: ResponseLike['headers'] = json): ResponseLike => ({
    status,
    headers,
    body,
    text: body === undefined ? '' : JSON.stringify(body),
  });

  it('when an answer matches its operation, then it passes', () => {
    expect(() => expectMatchesSpec(answer(200, { user: { username: 'maria' } }), 'GET', '/api/session')).not.toThrow();
    const page = answer(200, { messages: [message], before: null });
    expect(() => expectMatchesSpec(page, 'GET', '/api/history?with=joao')).not.toThrow();
    expect(() => expectMatchesSpec(answer(204, undefined, {}), 'DELETE', '/api/session')).not.toThrow();
  });

  it('when a field has the wrong type, then it fails naming the field', () => {
    expect(() => expectMatchesSpec(answer(200, { user: { username: 5 } }), 'GET', '/api/session')).toThrow(
      /body\/user\/username must be string/,
    );
  });

  it('when the body has a field the spec lacks, then it fails', () => {
    const sent = answer(201, { message: { ...message, extra: 1 } });
    expect(() => expectMatchesSpec(sent, 'POST', '/api/messages')).toThrow(/additional properties/);
  });

  it('when a stream event mixes the two kinds, then it fails', () => {
    const event = { type: 'status', id: 'm1', status: 'read', at: '2025-01-31T12:00:00.000Z', message };
    expect(() => expectMatchesSpec(answer(200, { events: [event], cursor: 'c1' }), 'GET', '/api/messages')).toThrow(/breaks openapi.yaml/);
  });

  it('when the status is not documented for the operation, then it fails', () => {
    expect(() => expectMatchesSpec(answer(404, { error: { code: 'not_found', message: 'x' } }), 'GET', '/api/session')).toThrow(
      /status 404 is not documented/,
    );
  });

  it('when the error code belongs to another response, then it fails', () => {
    expect(() => expectMatchesSpec(answer(401, { error: { code: 'wrong_password', message: 'x' } }), 'GET', '/api/session')).toThrow(
      /wrong_password/,
    );
  });

  it('when a required header is missing, then it fails', () => {
    const created = { user: { username: 'maria' }, created: true };
    expect(() => expectMatchesSpec(answer(201, created), 'POST', '/api/session')).toThrow(/Set-Cookie is missing/);
    const withCookie = { ...json, 'set-cookie': ['papo.sid=s%3Aabc; Path=/; HttpOnly'] };
    expect(() => expectMatchesSpec(answer(201, created, withCookie), 'POST', '/api/session')).not.toThrow();
    const tooMany = { error: { code: 'too_many_requests', message: 'slow down' } };
    expect(() => expectMatchesSpec(answer(429, tooMany), 'POST', '/api/session')).toThrow(/Retry-After/);
    const vague = answer(429, tooMany, { ...json, 'retry-after': 'soon' });
    expect(() => expectMatchesSpec(vague, 'POST', '/api/session')).toThrow(/header Retry-After/);
  });

  it('when the path or method is not in the spec, then only a 404 not_found passes', () => {
    const notFound = { error: { code: 'not_found', message: 'no' } };
    expect(() => expectMatchesSpec(answer(404, notFound), 'PUT', '/api/messages')).not.toThrow();
    expect(() => expectMatchesSpec(answer(404, notFound), 'GET', '/api/nothing')).not.toThrow();
    expect(() => expectMatchesSpec(answer(200, {}), 'GET', '/api/nothing')).toThrow(/must be 404/);
  });

  it('when the path is outside the API, then it is not the contract', () => {
    expect(() => expectMatchesSpec(answer(200, '<html>', { 'content-type': 'text/html' }), 'GET', '/')).not.toThrow();
  });
});
