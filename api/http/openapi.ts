/**
 * `openapi.yaml` at run time: requests are checked against it before any route runs, its validation errors
 * become the API's own error codes, and it is served as YAML and as readable docs (issue #2).
 */
import { readFileSync } from 'node:fs';
import express, { type RequestHandler, type Router } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import swaggerUi, { type SwaggerUiOptions } from 'swagger-ui-express';
import { CORE_SCHEMA, load } from 'js-yaml';
import { AppError } from '../errors.js';

type OpenApiDocument = Exclude<Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'], string>;

/**
 * `openapi.yaml` as the server uses it: its text, served as it is, and the parsed document. Read and parsed once
 * at start and shared by the docs, the request validator (which clones it) and the fast path's validators:
 * parsing it was 120 ms of the start each time, three times (issue #20, docs/performance.md).
 */
export interface Spec {
  path: string;
  text: string;
  document: OpenApiDocument;
}

/**
 * Reads and parses the spec file. Throws when it is missing, not YAML (a duplicate key included) or not
 * OpenAPI 3: a broken spec stops the start. js-yaml with YAML 1.2's core schema (no dates, no merge keys,
 * as JSON Schema expects): the same document the `yaml` package gave, in a seventh of the time (27 against
 * 180 ms of each start; docs/performance.md, "Start-up from a bundle").
 */
export function readSpec(path: string): Spec {
  const text = readFileSync(path, 'utf8');
  return { path, text, document: asOpenApiDocument(load(text, { schema: CORE_SCHEMA, filename: path }), path) };
}

function asOpenApiDocument(spec: unknown, path: string): OpenApiDocument {
  const looksLikeOpenApi3 =
    typeof spec === 'object' &&
    spec !== null &&
    'openapi' in spec &&
    typeof spec.openapi === 'string' &&
    spec.openapi.startsWith('3.') &&
    'paths' in spec &&
    typeof spec.paths === 'object';
  if (!looksLikeOpenApi3) throw new Error(`${path} is not an OpenAPI 3 document`);
  // The validator checks the whole document against the OpenAPI schema itself (validateApiSpec).
  return spec as OpenApiDocument;
}

const VALIDATED_PATHS = /^\/(?:api|healthz)(?:\/|$)/i;
// Swagger UI's own assets are not API routes; the spec lists these two only so that they are documented.
const DOCUMENT_PATHS = /^\/api\/(?:docs(?:\/|$)|openapi\.yaml\/?$)/i;

/**
 * Case-insensitive because Express routing is: `/API/messages` reaches the `/api/messages` handler, so it must
 * not slip past the validator.
 */
function isIgnoredPath(path: string): boolean {
  return !VALIDATED_PATHS.test(path) || DOCUMENT_PATHS.test(path);
}

/**
 * Middleware that checks each request under `/api` and `/healthz` against the spec: a path or method the spec
 * lacks, an unknown field or query parameter, a wrong type, length or range, a body that is not JSON.
 * Its errors go to `next(err)`; turn them into API errors with `openApiErrorToAppError`.
 *
 * Mount it on the app itself (not under `app.use('/api', ...)`: the validator then sees `/api//messages`),
 * after `express.json()` (it validates `req.body`, so the body must be parsed) and before the routes.
 * On success `req.query` holds coerced values with defaults applied (`wait` is the number 25 when absent).
 * The fast path (send and poll) validates with its own compiled validators (fast-path/operation-validator.ts),
 * from the same spec and with these options: a change to the options is a change there too.
 *
 * @example
 * app.use(express.json({ limit: '16kb' }));
 * app.use(session);
 * app.use(openApiRequestValidator(readSpec('openapi.yaml')));
 * app.use(routes);
 */
export function openApiRequestValidator(spec: Spec): RequestHandler[] {
  return OpenApiValidator.middleware({
    // It works on a deep copy of the document it is given (lodash.clonedeep), so sharing it is safe.
    apiSpec: spec.document,
    validateApiSpec: true,
    // Query parameters are always coerced from strings by the validator; a body is JSON and must already have
    // the right types (`"content": 5` is a 400, never the string "5").
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, allErrors: false },
    validateResponses: false,
    // Whether a cookie names a live session is the session middleware's call (401 not_authenticated);
    // the validator would only check that some cookie is present.
    validateSecurity: false,
    fileUploader: false,
    ignorePaths: isIgnoredPath,
  });
}

const VALIDATOR_ERRORS: ReadonlyArray<abstract new (...args: never[]) => Error> = Object.values(OpenApiValidator.error);

/** One problem found in a request, as express-openapi-validator reports it (`path` like `/body/content`). */
export interface ValidationItem {
  path: string;
  message: string;
  errorCode?: string;
}

interface ValidatorError extends Error {
  status: number;
  path?: string;
  errors?: readonly ValidationItem[];
  headers?: { Allow?: string };
}

function isValidatorError(err: unknown): err is ValidatorError {
  return VALIDATOR_ERRORS.some((ErrorClass) => err instanceof ErrorClass);
}

/** `/body/content` -> `body.content`: how clients name a field in JSON. */
function fieldName(pointer: string): string {
  return pointer.replace(/^\//, '').split('/').join('.');
}

/**
 * Ajv messages name no field ("must be integer"), so prefix the field; the validator's own messages
 * ("Unknown query parameter 'foo'") carry no `errorCode` and already name it.
 */
function describe(item: ValidationItem): string {
  if (item.errorCode === undefined) return item.message;
  if (item.errorCode.startsWith('required.')) return `${fieldName(item.path)} is required`;
  return `${fieldName(item.path)} ${item.message}`;
}

/**
 * The 400 for what a request validator found: `unknown_field` when the body has a field the spec lacks,
 * otherwise `invalid_request` naming each problem (`fallback` when the validator listed none). Shared by
 * express-openapi-validator's errors and the fast path's compiled validators
 * (fast-path/operation-validator.ts), so both word a problem the same way.
 */
export function validationError(items: readonly ValidationItem[], fallback: string, cause?: unknown): AppError {
  const options = cause === undefined ? {} : { cause };
  const unknown = items.find((item) => item.errorCode?.startsWith('additionalProperties.'));
  if (unknown !== undefined) return new AppError('unknown_field', `Unknown field: ${fieldName(unknown.path)}`, options);
  return new AppError('invalid_request', items.length > 0 ? items.map(describe).join('; ') : fallback, options);
}

/** The 415 for a body that is not JSON. */
export function notJson(cause?: unknown): AppError {
  const message = 'Send the body as JSON, with Content-Type: application/json';
  return new AppError('unsupported_media_type', message, cause === undefined ? {} : { cause });
}

/**
 * Turns an error from `openApiRequestValidator` into the API's `AppError`, or returns undefined when `err` is
 * not a client error from the validator (a body-parser error, a domain error, or the validator failing to load
 * the spec, which is a bug and should stay a 500).
 *
 * @example
 * const appError = openApiErrorToAppError(err); // { code: 'unknown_field', message: 'Unknown field: body.extra' }
 */
export function openApiErrorToAppError(err: unknown): AppError | undefined {
  if (!isValidatorError(err)) return undefined;
  const items = err.errors ?? [];
  switch (err.status) {
    case 400:
      return validationError(items, err.message, err);
    case 404:
      return new AppError('not_found', `There is no ${err.path ?? 'such path'} in this API; see /api/docs`, {
        cause: err,
      });
    // 405 is not in the catalogue, and to a client a method the API lacks is a route the API lacks: the same
    // not_found Express gives for any unknown route. `Allow` still says which methods exist.
    case 405: {
      const allow = err.headers?.Allow ?? '';
      return new AppError('not_found', `${err.message} on ${err.path ?? 'this path'}; it takes ${allow}`, {
        cause: err,
        headers: allow === '' ? {} : { Allow: allow },
      });
    }
    case 413:
      return new AppError('payload_too_large', 'The body is larger than this API accepts', { cause: err });
    case 415:
      return notJson(err);
    case 401:
      return new AppError('not_authenticated', 'Log in first: POST /api/session', { cause: err });
    default:
      return undefined;
  }
}

/**
 * Serves the spec file at `GET /api/openapi.yaml` and Swagger UI at `GET /api/docs/`, with its assets from
 * swagger-ui-dist on this server (the machine may have no internet). Mount it on the app before the validator
 * or anywhere: the validator ignores these paths.
 */
export function docsRouter(spec: Spec): Router {
  const { text } = spec;
  const options: SwaggerUiOptions = {
    customSiteTitle: 'Papo API',
    // Swagger UI would otherwise send the spec to validator.swagger.io for a badge.
    swaggerOptions: { validatorUrl: null },
  };
  const router = express.Router();
  router.get('/api/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(text);
  });
  // The page links its assets relatively (`./swagger-ui.css`), which only works below `/api/docs/`.
  router.get('/api/docs', (req, res, next) => {
    if (req.path.endsWith('/')) next();
    else res.redirect(301, '/api/docs/');
  });
  router.use('/api/docs', swaggerUi.serveFiles(spec.document, options), swaggerUi.setup(spec.document, options));
  return router;
}
