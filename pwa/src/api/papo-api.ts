import type {
  BlocksResponse,
  ConversationsResponse,
  DevicesResponse,
  EndDevicesResponse,
  EditResponse,
  SearchResponse,
  HistoryResponse,
  LoginResponse,
  MyProfile,
  ProfileUpdate,
  PollResponse,
  SendRequest,
  SendResponse,
  SessionResponse,
  UsersResponse,
  UploadResponse,
} from '../../../api/contract';

/** `GET /api/history`: one conversation (`with`) or every one, the page before the cursor `before`. */
export interface HistoryQuery {
  with?: string;
  before?: string | null;
  limit?: number;
}

/**
 * The Papo API as the app calls it (issue #2), typed by the shared contract; every non-2xx answer is an
 * `ApiError`. `api` in client.ts is the real one, over fetch. The chat's logic takes this interface rather than
 * importing `api`, so its unit tests answer for the server (issue #16).
 */
export interface PapoApi {
  login(username: string, password: string): Promise<LoginResponse>;
  session(): Promise<SessionResponse>;
  logout(): Promise<void>;
  send(message: SendRequest): Promise<SendResponse>;
  /** Long-poll: holds up to `wait` seconds. Passing `after` acknowledges every event up to it. */
  poll(after: string | null, wait: number, signal: AbortSignal): Promise<PollResponse>;
  markRead(peer: string, upTo: string): Promise<void>;
  history(query: HistoryQuery): Promise<HistoryResponse>;
  conversations(): Promise<ConversationsResponse>;
  /** Display names and presence of these users (issue #19, items 11 and 12). */
  users(names: readonly string[]): Promise<UsersResponse>;
  myProfile(): Promise<MyProfile>;
  updateMyProfile(change: ProfileUpdate): Promise<MyProfile>;
  /** "I am typing to `to`" (issue #19, item 10): the server passes one on every 2.5 s and coalesces the rest. */
  typing(to: string): Promise<void>;
  /** Uploads one file (issue #18), reporting the share of it sent so far. */
  upload(file: Blob, name: string, onProgress: (fraction: number) => void): Promise<UploadResponse>;
  /** Issue #18: edit a message I sent, delete one (for everyone, or for me), search my messages. */
  editMessage(id: string, content: string): Promise<EditResponse>;
  deleteMessage(id: string, scope: 'everyone' | 'me'): Promise<void>;
  search(query: { q: string; with?: string; before?: string | null }): Promise<SearchResponse>;
  /** Issue #17: my logged-in devices; ending one, or every one but this. */
  devices(): Promise<DevicesResponse>;
  endDevice(id: string): Promise<void>;
  endOtherDevices(): Promise<EndDevicesResponse>;
  /** Every other device is logged out; this one gets a new session cookie with the answer. */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  /** Issue #17: whom I blocked; blocking and unblocking (both idempotent on the server). */
  blocks(): Promise<BlocksResponse>;
  block(username: string): Promise<void>;
  unblock(username: string): Promise<void>;
  /** Deletes my account for good, with my password as the proof (issue #17); the session ends with it. */
  deleteAccount(password: string): Promise<void>;
}
