import type { PapoApi } from '../api/papo-api';
import type { ObservableState } from '../lib/observable-state';
import type { ChatCache } from './chat-cache';
import type { ChatState } from './chat-state';
import type { Device } from './device';

/** What every part of a chat session works with: whose session, its state, and the world outside. */
export interface ChatContext {
  readonly me: string;
  readonly state: ObservableState<ChatState>;
  readonly api: PapoApi;
  readonly cache: ChatCache;
  readonly device: Device;
  /** A request failed in a way its part does not handle: the session decides (a 401 ends it, no network is offline). */
  requestFailed(error: unknown): void;
}
