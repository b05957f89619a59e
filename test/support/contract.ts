/**
 * Holds every response the suite gets against `openapi.yaml` (issue #2: "the test suite checks every response it
 * gets against the spec too, so the two cannot drift apart"). The request side is checked at run time by the
 * validator; this is the response side, which the server does not check in production.
 */
import { AssertionError } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import supertest from 'supertest';
import { readSpec } from '../../api/http/openapi.js';

export const SPEC_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A response as far as the contract cares; supertest's Response is one. */
export interface ResponseLike {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

/** The spec with its `$ref`s followed, and a validator per response schema. */
export class Contract {
  readonly document: Json;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: unknown) {
    if (!isRecord(document) || !isRecord(document.paths)) throw new Error('not an OpenAPI document');
    this.document = document;
    // Not strict: OpenAPI 3.0 schemas carry keywords JSON Schema lacks (`example`, `x-*`); typos in them are
    // caught by the validator's own check of the document against the OpenAPI schema (see spec.test.ts).
    this.ajv = new Ajv({ strict: false, allErrors: true, discriminator: true, validateSchema: false });
    // ajv-formats is CommonJS; under NodeNext its default import is the module object, whose `default` is the plugin.
    ajvFormats.default(this.ajv);
    this.ajv.addFormat('password', true);
    this.ajv.addSchema(document, 'openapi.yaml');
  }

  /** Follows `$ref`s; returns the node and its JSON pointer in the document. */
  resolve(node: unknown, pointer: string): { node: unknown; pointer: string } {
    let current = { node, pointer };
    for (let hops = 0; isRecord(current.node) && typeof current.node.$ref === 'string'; hops++) {
      if (hops > 20) throw new Error(`$ref loop at ${pointer}`);
      const ref = current.node.$ref;
      if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
      current = { node: this.at(ref.slice(1)), pointer: ref.slice(1) };
    }
    return current;
  }

  at(pointer: string): unknown {
    let node: unknown = this.document;
    for (const raw of pointer.split('/').slice(1)) {
      const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      node = isRecord(node) ? node[key] : undefined;
    }
    return node;
  }

  /** The operation object for a method on a spec path, or undefined. */
  operation(method: string, specPath: string): { node: Json; pointer: string } | undefined {
    const paths = this.document.paths;
    const pathItem = isRecord(paths) ? paths[specPath] : undefined;
    const operation = isRecord(pathItem) ? pathItem[method.toLowerCase()] : undefined;
    if (!isRecord(operation)) return undefined;
    return { node: operation, pointer: `/paths/${escape(specPath)}/${method.toLowerCase()}` };
  }

  /** The spec path serving a request path: case-insensitive, trailing slash ignored, as Express routes. */
  specPathOf(requestPath: string): string | undefined {
    const wanted = requestPath.replace(/(.)\/$/, '$1').toLowerCase();
    const paths = Object.keys(this.document.paths as Json);
    // An exact path first; then a template (`/api/users/{username}`), whose parameter is one segment.
    return (
      paths.find((path) => path.toLowerCase() === wanted) ??
      paths.find((path) => path.includes('{') && new RegExp(`^${path.toLowerCase().replace(/\{[^}]+\}/g, '[^/]+')}$`).test(wanted))
    );
  }

  validator(schemaPointer: string): ValidateFunction {
    let validate = this.validators.get(schemaPointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `openapi.yaml#${schemaPointer}` });
      this.validators.set(schemaPointer, validate);
    }
    return validate;
  }

  errorsText(validate: ValidateFunction): string {
    return this.ajv.errorsText(validate.errors, { dataVar: 'body', separator: '; ' });
  }
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

let shared: Contract | undefined;

/** The contract of the repository's `openapi.yaml`, loaded once per test file. */
export function contract(): Contract {
  shared ??= new Contract(readSpec(SPEC_PATH).document);
  return shared;
}

function fail(what: string, res: ResponseLike, problem: string): never {
  const body = res.text !== undefined && res.text !== '' ? res.text : JSON.stringify(res.body);
  throw new AssertionError({ message: `${what} breaks openapi.yaml: ${problem}\n  answered ${res.status}: ${body}` });
}

function header(res: ResponseLike, name: string): string | string[] | undefined {
  return res.headers[name.toLowerCase()];
}

/** Header values are strings on the wire; a numeric schema means the string must read as that number. */
function headerValue(value: string, schema: unknown): unknown {
  const numeric = isRecord(schema) && (schema.type === 'integer' || schema.type === 'number');
  return numeric && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

function sessionCookieName(spec: Contract): string | undefined {
  const schemes = spec.at('/components/securitySchemes');
  if (!isRecord(schemes)) return undefined;
  for (const scheme of Object.values(schemes)) {
    if (isRecord(scheme) && scheme.type === 'apiKey' && scheme.in === 'cookie' && typeof scheme.name === 'string') {
      return scheme.name;
    }
  }
  return undefined;
}

function checkErrorCode(what: string, res: ResponseLike, response: Json): void {
  const codes = response['x-error-codes'];
  if (!Array.isArray(codes)) return;
  const body = res.body;
  const code = isRecord(body) && isRecord(body.error) ? body.error.code : undefined;
  if (!codes.includes(code)) {
    fail(what, res, `error code ${JSON.stringify(code)} is not one this response documents (${codes.join(', ')})`);
  }
}

function checkHeaders(what: string, res: ResponseLike, response: Json, pointer: string, spec: Contract): void {
  const headers = response.headers;
  if (!isRecord(headers)) return;
  for (const [name, raw] of Object.entries(headers)) {
    const { node: definition, pointer: definitionPointer } = spec.resolve(raw, `${pointer}/headers/${escape(name)}`);
    if (!isRecord(definition)) continue;
    const value = header(res, name);
    if (value === undefined) {
      if (definition.required === true) fail(what, res, `required header ${name} is missing`);
      continue;
    }
    if (name.toLowerCase() === 'set-cookie') {
      const cookieName = sessionCookieName(spec);
      const cookies = Array.isArray(value) ? value : [value];
      if (cookieName !== undefined && !cookies.some((cookie) => cookie.startsWith(`${cookieName}=`))) {
        fail(what, res, `Set-Cookie does not set ${cookieName}`);
      }
      continue;
    }
    const validate = spec.validator(`${definitionPointer}/schema`);
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (!validate(headerValue(text, definition.schema))) {
      fail(what, res, `header ${name}: ${JSON.stringify(text)} ${spec.errorsText(validate)}`);
    }
  }
}

function checkBody(what: string, res: ResponseLike, response: Json, pointer: string, spec: Contract): void {
  const content = response.content;
  if (!isRecord(content)) {
    const empty = res.text === undefined || res.text === '';
    if (res.status === 204 && !empty) fail(what, res, 'a 204 must have no body');
    return;
  }
  const contentType = header(res, 'content-type');
  const mediaType = typeof contentType === 'string' ? contentType.split(';')[0]?.trim().toLowerCase() : undefined;
  const range = mediaType === undefined ? undefined : `${mediaType.split('/')[0] ?? ''}/*`;
  const documented = mediaType !== undefined && (mediaType in content || (range !== undefined && range in content) || '*/*' in content);
  if (mediaType === undefined || !documented) {
    fail(what, res, `content type ${String(contentType)} is not one of ${Object.keys(content).join(', ')}`);
  }
  // Only JSON is parsed into a value worth checking; YAML and HTML are documented as strings.
  if (mediaType !== 'application/json') return;
  const validate = spec.validator(`${pointer}/content/${escape(mediaType)}/schema`);
  if (!validate(res.body)) fail(what, res, spec.errorsText(validate));
}

/**
 * What any `/api` request may be refused with before routing, so also on a path the spec lacks (issue #15): a
 * URL that is not UTF-8 (item 9), a request from another site (items 4, 14), a host that is not one of
 * PUBLIC_ORIGIN (item 14).
 */
const BEFORE_ROUTING: Readonly<Record<number, string>> = { 400: 'invalid_request', 403: 'forbidden_origin', 421: 'misdirected_request' };

const API_PATHS = /^\/(?:api|healthz)(?:\/|$)/i;
// Swagger UI's assets are files of swagger-ui-dist, not API answers.
const DOCS_ASSETS = /^\/api\/docs\/./i;

/**
 * Throws an AssertionError unless `res` is an answer the spec documents for `method url`: a documented status,
 * every required header, a documented content type, a JSON body valid against its schema, and for errors a
 * code the response lists. A path or method the spec lacks must be a 404 `not_found` (how the validator answers).
 * Paths outside `/api` and `/healthz` (the PWA) are not part of the contract and pass.
 */
export function expectMatchesSpec(res: ResponseLike, method: string, url: string, spec: Contract = contract()): void {
  const path = new URL(url, 'http://papo.invalid').pathname;
  const what = `${method.toUpperCase()} ${path}`;
  if (!API_PATHS.test(path) || DOCS_ASSETS.test(path)) return;
  const specPath = spec.specPathOf(path);
  const operation = specPath === undefined ? undefined : spec.operation(method, specPath);
  if (operation === undefined) {
    const code = res.status === 404 ? 'not_found' : BEFORE_ROUTING[res.status];
    if (code === undefined) fail(what, res, 'the spec has no such operation, so the answer must be 404');
    if (method.toUpperCase() === 'HEAD') return;
    const validate = spec.validator('/components/schemas/ErrorBody');
    if (!validate(res.body)) fail(what, res, spec.errorsText(validate));
    checkErrorCode(what, res, { 'x-error-codes': [code] });
    return;
  }
  const responses = operation.node.responses;
  const raw = isRecord(responses) ? responses[String(res.status)] : undefined;
  if (raw === undefined) {
    const documented = isRecord(responses) ? Object.keys(responses).join(', ') : 'none';
    fail(what, res, `status ${res.status} is not documented (documented: ${documented})`);
  }
  const { node: response, pointer } = spec.resolve(raw, `${operation.pointer}/responses/${res.status}`);
  if (!isRecord(response)) fail(what, res, `response ${res.status} is not an object in the spec`);
  checkHeaders(what, res, response, pointer, spec);
  checkBody(what, res, response, pointer, spec);
  checkErrorCode(what, res, response);
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';

/** A supertest agent (it keeps cookies, like one device) whose every answer is held against the spec. */
export type SpecAgent = Record<Method, (url: string) => supertest.Test>;

/**
 * @example
 * const maria = specAgent(app);
 * await maria.post('/api/session').send({ username: 'maria', password: 'correct horse' }).expect(201);
 * const res = await maria.get('/api/messages?wait=0').expect(200); // fails if the answer breaks the spec
 */
export function specAgent(app: Parameters<typeof supertest.agent>[0]): SpecAgent {
  const agent = supertest.agent(app);
  const checked =
    (method: Method) =>
    (url: string): supertest.Test =>
      agent[method](url).expect((res: supertest.Response) => expectMatchesSpec(res, method, url));
  return {
    get: checked('get'),
    post: checked('post'),
    put: checked('put'),
    patch: checked('patch'),
    delete: checked('delete'),
    head: checked('head'),
  };
}
