/**
 * Request validation for the routes every message crosses (send, and the recipient's poll), compiled once at
 * start from openapi.yaml's own schemas with ajv, the validator express-openapi-validator uses, with its
 * options. The generic validator finds a request's route by compiling a path regex for every route of the spec
 * on every request, and rebuilds its parameter handling each time; a route that knows its operation needs
 * none of that. test/http/fast-path/validator.test.ts holds both to the same answers, request by request.
 */
import assert from 'node:assert/strict';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { notJson, validationError, type ValidationItem } from '../openapi.js';

type JsonObject = Record<string, unknown>;

export interface OperationRequest {
  /** The parsed query (Express's simple parser: a repeated parameter is an array). */
  query: JsonObject;
  body: unknown;
  headers: { 'content-type'?: string | undefined };
}

/** Validates one request of the operation; returns the query with defaults applied, or throws an AppError. */
export type OperationValidator = (req: OperationRequest) => JsonObject;

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: JsonObject;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonObject }> };
}

const SPEC_ID = 'openapi.yaml';
const JSON_MEDIA_TYPE = 'application/json';

/** express-openapi-validator's request options (api/http/openapi.ts): coerced query, exact body, first error. */
const AJV_OPTIONS = { strict: false, strictNumbers: true, strictTuples: true, allErrors: false, useDefaults: true } as const;

/** ajv's error, in the shape express-openapi-validator reports it (`ajvErrorsToValidatorError`). */
function toItem(e: ErrorObject): ValidationItem {
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  const named = params.missingProperty ?? params.additionalProperty;
  assert(e.message !== undefined, 'ajv words every error (its `messages` option is on)');
  return {
    path: named === undefined ? e.instancePath : `${e.instancePath}/${named}`,
    message: e.message,
    errorCode: `${e.keyword}.openapi.validation`,
  };
}

function check(validate: ValidateFunction, data: JsonObject): void {
  if (validate(data)) return;
  assert(validate.errors, 'ajv lists what failed');
  throw validationError(validate.errors.map(toItem), 'the request is invalid');
}

/**
 * Compiles the validator of `method path` in `spec` (the parsed openapi.yaml). Throws at start when the
 * operation is not in the spec, so a renamed route cannot silently go unvalidated.
 *
 * @example
 * const validateSend = compileOperation(spec, '/api/messages', 'post');
 * validateSend({ query: req.query, body: req.body, headers: req.headers }); // throws AppError on bad input
 */
export function compileOperation(spec: unknown, path: string, method: 'get' | 'post'): OperationValidator {
  const operation = (spec as { paths?: Record<string, Record<string, Operation | undefined>> }).paths?.[path]?.[method];
  if (operation === undefined) throw new Error(`${method.toUpperCase()} ${path} is not in ${SPEC_ID}`);
  const ref = (pointer: string) => ({ $ref: `${SPEC_ID}#${pointer}` });
  const pointer = `/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}`;

  // Query parameters come as strings and are coerced, as express-openapi-validator always does.
  const queryAjv = new Ajv({ ...AJV_OPTIONS, coerceTypes: true });
  const queryParams = (operation.parameters ?? []).filter((p) => p.in === 'query');
  // Inline, not by $ref: ajv applies a `default` (wait: 25) only where it appears in `properties` itself.
  if (queryParams.some((p) => p.schema === undefined || JSON.stringify(p.schema).includes('"$ref"'))) {
    throw new Error(`${method.toUpperCase()} ${path}: give each query parameter an inline schema`);
  }
  const known = new Set(queryParams.map((p) => p.name));
  const validateQuery = queryAjv.compile({
    type: 'object',
    properties: {
      query: {
        type: 'object',
        properties: Object.fromEntries(queryParams.map((p) => [p.name, p.schema])),
        required: queryParams.filter((p) => p.required === true).map((p) => p.name),
      },
    },
  });

  const body = operation.requestBody;
  const bodySchema = body?.content?.[JSON_MEDIA_TYPE]?.schema;
  if (body !== undefined && bodySchema === undefined) throw new Error(`${method.toUpperCase()} ${path} takes no JSON body`);
  const bodyAjv = new Ajv({ ...AJV_OPTIONS, coerceTypes: false });
  bodyAjv.addSchema(spec as JsonObject, SPEC_ID);
  const validateBody =
    bodySchema === undefined
      ? undefined
      : bodyAjv.compile({
          type: 'object',
          properties: { body: ref(`${pointer}/requestBody/content/${JSON_MEDIA_TYPE.replace('/', '~1')}/schema`) },
          required: body?.required === true ? ['body'] : [],
        });

  return (req) => {
    for (const [name, value] of Object.entries(req.query)) {
      if (!known.has(name)) throw validationError([{ path: `/query/${name}`, message: `Unknown query parameter '${name}'` }], '');
      if (value === '') {
        throw validationError([{ path: `/query/${name}`, message: `Empty value found for query parameter '${name}'` }], '');
      }
    }
    if (validateBody !== undefined) {
      const mediaType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      if (mediaType !== JSON_MEDIA_TYPE) {
        throw notJson();
      }
    }
    const data = { query: { ...req.query } };
    check(validateQuery, data);
    if (validateBody !== undefined) check(validateBody, { body: req.body });
    return data.query;
  };
}
