import type {
  BlocksResponse,
  DevicesResponse,
  EndDevicesResponse,
  EditResponse,
  SearchResponse,
  ConversationsResponse,
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
import { ApiError } from '../../src/api/api-error';
import type { HistoryQuery, PapoApi } from '../../src/api/papo-api';

/** What a test answers for the server: a body, a refusal, or a promise of a body (to hold the answer back). */
type Answer<T> = T | ApiError | Promise<T>;

function unexpected(method: string): never {
  throw new Error(`test: the API's ${method} was called, but the test gave it no answer`);
}

/** Resolves with `answer`, or rejects when it is an `ApiError`: how the real client reports a refusal. */
function settle<T>(answer: Answer<T>): Promise<T> {
  return answer instanceof ApiError ? Promise.reject(answer) : Promise.resolve(answer);
}

/**
 * A `PapoApi` whose answers each test gives, recording every request. Polls are held, as the server holds
 * them, until the test answers one (`answerPoll`) or the app aborts it.
 */
export class ScriptedApi implements PapoApi {
  readonly requests: string[] = [];
  readonly sent: SendRequest[] = [];
  readonly polls: Array<string | null> = [];
  /** The `wait` of each poll, in order. */
  readonly pollWaits: number[] = [];
  readonly markedRead: Array<{ peer: string; upTo: string }> = [];
  readonly historyQueries: HistoryQuery[] = [];

  onSend: (message: SendRequest) => Answer<SendResponse> = () => unexpected('send');
  onHistory: (query: HistoryQuery) => Answer<HistoryResponse> = () => unexpected('history');
  onConversations: () => Answer<ConversationsResponse> = () => unexpected('conversations');
  onMarkRead: () => Answer<void> = () => undefined;
  onLogout: () => Answer<void> = () => undefined;
  onUsers: (names: readonly string[]) => Answer<UsersResponse> = () => ({ users: [] });
  readonly typed: string[] = [];
  /** Answers an upload; `progress` reports parts of it as the real client's XMLHttpRequest would. */
  onUpload: (name: string, progress: (fraction: number) => void) => Answer<UploadResponse> = () => unexpected('upload');
  onEdit: (id: string, content: string) => Answer<EditResponse> = () => unexpected('editMessage');
  onDelete: (id: string, scope: 'everyone' | 'me') => Answer<void> = () => unexpected('deleteMessage');
  onSearch: (query: { q: string }) => Answer<SearchResponse> = () => unexpected('search');
  onBlocks: () => Answer<BlocksResponse> = () => unexpected('blocks');
  onBlock: (username: string) => Answer<void> = () => unexpected('block');
  onUnblock: (username: string) => Answer<void> = () => unexpected('unblock');
  onDeleteAccount: (password: string) => Answer<void> = () => unexpected('deleteAccount');
  onChangePassword: (current: string, next: string) => Answer<void> = () => unexpected('changePassword');

  private readonly pollAnswers: Array<Answer<PollResponse>> = [];
  private heldPoll: (() => void) | null = null;

  /** Answers the poll the app holds now, or the next one it makes. */
  answerPoll(answer: Answer<PollResponse>): void {
    this.pollAnswers.push(answer);
    this.heldPoll?.();
  }

  async login(): Promise<LoginResponse> {
    return unexpected('login');
  }

  async session(): Promise<SessionResponse> {
    return unexpected('session');
  }

  logout(): Promise<void> {
    this.requests.push('logout');
    return settle(this.onLogout());
  }

  send(message: SendRequest): Promise<SendResponse> {
    this.requests.push(`send ${message.content}`);
    this.sent.push(message);
    return settle(this.onSend(message));
  }

  poll(after: string | null, wait: number, signal: AbortSignal): Promise<PollResponse> {
    this.requests.push('poll');
    this.polls.push(after);
    this.pollWaits.push(wait);
    return new Promise((resolve, reject) => {
      const answer = () => {
        const next = this.pollAnswers.shift();
        if (next === undefined) return false;
        this.heldPoll = null;
        settle(next).then(resolve, reject);
        return true;
      };
      if (answer()) return;
      this.heldPoll = answer;
      signal.addEventListener('abort', () => {
        if (this.heldPoll === answer) this.heldPoll = null;
        reject(signal.reason);
      });
    });
  }

  markRead(peer: string, upTo: string): Promise<void> {
    this.requests.push(`markRead ${peer}`);
    this.markedRead.push({ peer, upTo });
    return settle(this.onMarkRead());
  }

  history(query: HistoryQuery): Promise<HistoryResponse> {
    this.requests.push(`history ${query.with ?? '*'}`);
    this.historyQueries.push(query);
    return settle(this.onHistory(query));
  }

  conversations(): Promise<ConversationsResponse> {
    this.requests.push('conversations');
    return settle(this.onConversations());
  }

  users(names: readonly string[]): Promise<UsersResponse> {
    this.requests.push(`users ${names.join(',')}`);
    return settle(this.onUsers(names));
  }

  async myProfile(): Promise<MyProfile> {
    return unexpected('myProfile');
  }

  async updateMyProfile(_change: ProfileUpdate): Promise<MyProfile> {
    return unexpected('updateMyProfile');
  }

  async typing(to: string): Promise<void> {
    this.requests.push(`typing ${to}`);
    this.typed.push(to);
  }

  upload(_file: Blob, name: string, onProgress: (fraction: number) => void): Promise<UploadResponse> {
    this.requests.push(`upload ${name}`);
    return settle(this.onUpload(name, onProgress));
  }

  async editMessage(id: string, content: string): Promise<EditResponse> {
    this.requests.push(`edit ${id}`);
    return settle(this.onEdit(id, content));
  }

  async deleteMessage(id: string, scope: 'everyone' | 'me'): Promise<void> {
    this.requests.push(`delete ${id} ${scope}`);
    return settle(this.onDelete(id, scope));
  }

  async search(query: { q: string; with?: string; before?: string | null }): Promise<SearchResponse> {
    this.requests.push(`search ${query.q}`);
    return settle(this.onSearch(query));
  }

  async devices(): Promise<DevicesResponse> {
    return unexpected('devices');
  }

  async endDevice(_id: string): Promise<void> {
    return unexpected('endDevice');
  }

  async endOtherDevices(): Promise<EndDevicesResponse> {
    return unexpected('endOtherDevices');
  }

  changePassword(current: string, next: string): Promise<void> {
    this.requests.push('changePassword');
    return settle(this.onChangePassword(current, next));
  }

  blocks(): Promise<BlocksResponse> {
    this.requests.push('blocks');
    return settle(this.onBlocks());
  }

  block(username: string): Promise<void> {
    this.requests.push(`block ${username}`);
    return settle(this.onBlock(username));
  }

  unblock(username: string): Promise<void> {
    this.requests.push(`unblock ${username}`);
    return settle(this.onUnblock(username));
  }

  deleteAccount(password: string): Promise<void> {
    this.requests.push('deleteAccount');
    return settle(this.onDeleteAccount(password));
  }
}

/** The refusals and failures the app handles, as the real client reports them. */
export const refusals = {
  network: () => new ApiError(0, 'network', 'Failed to fetch'),
  unauthorized: () => new ApiError(401, 'not_authenticated', 'log in first'),
  userNotFound: () => new ApiError(404, 'user_not_found', 'no such user'),
  invalid: (message: string) => new ApiError(400, 'invalid_request', message),
  unavailable: () => new ApiError(503, 'unavailable', 'try again later'),
  cursorExpired: () => new ApiError(410, 'cursor_expired', 'cursor expired'),
  invalidCursor: () => new ApiError(400, 'invalid_cursor', 'not a cursor of this server'),
};
