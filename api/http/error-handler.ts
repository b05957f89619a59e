import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '../contract.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { writeJson } from './json-answer.js';
import { openApiErrorToAppError } from './openapi.js';

/** body-parser's errors carry a `type`; these are the client's fault. */
function bodyParserError(err: unknown): AppError | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new AppError('payload_too_large', 'request bodies are at most 16 KiB');
  if (type === 'entity.parse.failed') return new AppError('invalid_request', 'the request body is not valid JSON');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new AppError('unsupported_media_type', 'send the body as application/json in UTF-8');
  }
  return undefined;
}

/**
 * Answers a failed request: `err` as `{error: {code, message}}` with its status and headers, `headers` (a flat
 * list) first; details of a 500 in the log only. `path` is the request's path, for the log.
 */
export type ErrorAnswer = (err: unknown, req: IncomingMessage, res: ServerResponse, path: string, headers?: readonly string[]) => void;

/**
 * The one place where errors become HTTP answers, for the Express app (`errorHandler`) and the fast path
 * alike: the API's error catalogue (api/errors.ts), body-parser's and the OpenAPI validator's errors mapped
 * into it, 4xx logged at info and 5xx at error.
 */
export function errorAnswer(log: Logger): ErrorAnswer {
  return (err, req, res, path, headers = []) => {
    const appError = err instanceof AppError ? err : (bodyParserError(err) ?? openApiErrorToAppError(err));
    if (res.headersSent) {
      log.warn({ err, path }, 'error after the response started');
      res.destroy();
      return;
    }
    if (!appError) {
      log.error({ err, method: req.method, path }, 'unhandled error');
      const body: ErrorBody = { error: { code: 'internal', message: 'Internal Server Error' } };
      writeJson(res, 500, body, headers);
      return;
    }
    const level = appError.status >= 500 ? 'error' : 'info';
    log[level](
      {
        code: appError.code,
        status: appError.status,
        method: req.method,
        path,
        ...(appError.status >= 500 ? { err: appError.cause ?? appError } : {}),
      },
      'request failed',
    );
    const body: ErrorBody = { error: { code: appError.code, message: appError.message } };
    writeJson(res, appError.status, body, [...headers, ...Object.entries(appError.headers).flat()]);
  };
}

/** `answer` as the Express app's error middleware. */
export function errorHandler(answer: ErrorAnswer): ErrorRequestHandler {
  return (err, req, res, _next) => answer(err, req, res, req.path);
}

/** Unknown routes under /api answer in the API's own error shape. */
export const apiNotFound: RequestHandler = (req) => {
  throw new AppError('not_found', `no such endpoint: ${req.method} ${req.path}`);
};
