import type {
  ConversationsResponse,
  ErrorBody,
  HistoryResponse,
  LoginResponse,
  PollResponse,
  SendRequest,
  SendResponse,
  SessionResponse,
} from '../../../api/contract';
import { ApiError, isAbort } from './api-error';

type Method = 'GET' | 'POST' | 'DELETE';

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, 'network', error instanceof Error ? error.message : 'network error');
  }
  if (response.status === 204) return undefined as T;
  let payload: unknown;
  try {
    payload = await response.json();
  } catch (error) {
    if (isAbort(error)) throw error;
    // A proxy's HTML error page, or a connection cut mid-body.
    payload = undefined;
  }
  if (response.ok && payload !== undefined) return payload as T;
  if (isErrorBody(payload)) throw new ApiError(response.status, payload.error.code, payload.error.message);
  throw new ApiError(response.status, response.status >= 500 ? 'internal' : 'invalid_request', `HTTP ${response.status}`);
}

function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The Papo API (issue #2), typed by the shared contract. Every non-2xx answer throws an `ApiError`. */
export const api = {
  login: (username: string, password: string) => request<LoginResponse>('POST', '/api/session', { username, password }),
  session: () => request<SessionResponse>('GET', '/api/session'),
  logout: () => request<void>('DELETE', '/api/session'),
  send: (message: SendRequest) => request<SendResponse>('POST', '/api/messages', message),
  /** Long-poll: holds up to `wait` seconds. Passing `after` acknowledges every event up to it. */
  poll: (after: string | null, wait: number, signal: AbortSignal) =>
    request<PollResponse>('GET', `/api/messages${query({ after, wait })}`, undefined, signal),
  markRead: (peer: string, upTo: string) => request<void>('POST', '/api/messages/read', { with: peer, upTo }),
  history: (params: { with?: string; before?: string | null; limit?: number }) =>
    request<HistoryResponse>('GET', `/api/history${query(params)}`),
  conversations: () => request<ConversationsResponse>('GET', '/api/conversations'),
};
