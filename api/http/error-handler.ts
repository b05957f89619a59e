import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '../contract.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
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

/** The one place where errors become HTTP answers: `{error: {code, message}}`, details of 500s in the log only. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = err instanceof AppError ? err : (bodyParserError(err) ?? openApiErrorToAppError(err));
    if (res.headersSent) {
      log.warn({ err, path: req.path }, 'error after the response started');
      res.destroy();
      return;
    }
    if (!appError) {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error');
      const body: ErrorBody = { error: { code: 'internal', message: 'Internal Server Error' } };
      res.status(500).json(body);
      return;
    }
    const level = appError.status >= 500 ? 'error' : 'info';
    log[level](
      {
        code: appError.code,
        status: appError.status,
        method: req.method,
        path: req.path,
        ...(appError.status >= 500 ? { err: appError.cause ?? appError } : {}),
      },
      'request failed',
    );
    res.set(appError.headers);
    const body: ErrorBody = { error: { code: appError.code, message: appError.message } };
    res.status(appError.status).json(body);
  };
}

/** Unknown routes under /api answer in the API's own error shape. */
export const apiNotFound: RequestHandler = (req) => {
  throw new AppError('not_found', `no such endpoint: ${req.method} ${req.path}`);
};
