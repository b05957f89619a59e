import type { ErrorBody } from '../../../api/contract';
import { ApiError, isAbort } from './api-error';
import type { PapoApi } from './papo-api';
import { uploadFile } from './upload';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

export async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
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

function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * My data as a zip (issue #17): a plain link with `download`, so the browser streams the file to disk rather than
 * the page holding it in memory as a blob.
 */
export const EXPORT_URL = '/api/account/export';

/** The Papo API over fetch, same origin, with the session cookie. */
export const api: PapoApi = {
  login: (username, password) => request('POST', '/api/session', { username, password }),
  session: () => request('GET', '/api/session'),
  logout: () => request('DELETE', '/api/session'),
  send: (message) => request('POST', '/api/messages', message),
  poll: (after, wait, signal) => request('GET', `/api/messages${queryString({ after, wait })}`, undefined, signal),
  markRead: (peer, upTo) => request('POST', '/api/messages/read', { with: peer, upTo }),
  history: (query) => request('GET', `/api/history${queryString({ ...query })}`),
  conversations: () => request('GET', '/api/conversations'),
  users: (names) => request('GET', `/api/users${queryString({ names: names.join(',') })}`),
  myProfile: () => request('GET', '/api/profile'),
  updateMyProfile: (change) => request('PATCH', '/api/profile', change),
  typing: (to) => request('POST', '/api/typing', { to }),
  upload: uploadFile,
  editMessage: (id, content) => request('PATCH', `/api/messages/${encodeURIComponent(id)}`, { content }),
  deleteMessage: (id, scope) => request('DELETE', `/api/messages/${encodeURIComponent(id)}${queryString({ for: scope })}`),
  search: (query) => request('GET', `/api/search${queryString({ ...query })}`),
  devices: () => request('GET', '/api/account/devices'),
  endDevice: (id) => request('DELETE', `/api/account/devices/${encodeURIComponent(id)}`),
  endOtherDevices: () => request('DELETE', '/api/account/devices'),
  changePassword: (currentPassword, newPassword) => request('POST', '/api/account/password', { currentPassword, newPassword }),
  blocks: () => request('GET', '/api/account/blocks'),
  block: (username) => request('PUT', `/api/account/blocks/${encodeURIComponent(username)}`),
  unblock: (username) => request('DELETE', `/api/account/blocks/${encodeURIComponent(username)}`),
  deleteAccount: (password) => request('DELETE', '/api/account', { password }),
};
