import type { ErrorCode } from './contract.js';

/** HTTP status of each error code: the one place where domain errors meet HTTP. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  invalid_username: 400,
  invalid_password: 400,
  unknown_field: 400,
  invalid_cursor: 400,
  not_authenticated: 401,
  wrong_password: 401,
  forbidden_origin: 403,
  account_locked: 423,
  username_unavailable: 409,
  account_deleted: 410,
  not_found: 404,
  user_not_found: 404,
  message_not_found: 404,
  attachment_not_found: 404,
  attachment_in_use: 409,
  client_id_conflict: 409,
  not_your_message: 403,
  message_deleted: 409,
  change_window_over: 409,
  invalid_reply: 400,
  too_many_subscriptions: 409,
  cursor_expired: 410,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  unsupported_media_type: 415,
  misdirected_request: 421,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

/**
 * The one error type the domain throws. The error middleware turns it into `{error: {code, message}}` with
 * `ERROR_STATUS[code]`; anything else becomes a plain 500 whose details go to the log only.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers, e.g. Retry-After on a 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.headers = options.headers ?? {};
  }
}

/** Seconds a client is told to wait before retrying a write the store could not take. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * A store that cannot reach or write its disk or database (a full disk, a database gone away): the client
 * should retry later (503 with Retry-After, issue #15).
 */
export class StoreUnavailableError extends AppError {
  constructor(message: string, cause: unknown) {
    super('unavailable', message, { cause, headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) } });
    this.name = 'StoreUnavailableError';
  }
}
