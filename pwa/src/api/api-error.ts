import type { ErrorCode } from '../../../api/contract';

/** `network`: the request never got an answer (offline, server down, connection cut). */
export type ApiErrorCode = ErrorCode | 'network';

/** Every failed API call, whatever went wrong: screens switch on `code`, never on message text. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;

  constructor(status: number, code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** Worth trying again later with the same request (the outbox keeps it). */
  get isTransient(): boolean {
    return this.code === 'network' || this.status === 429 || this.status >= 500;
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
