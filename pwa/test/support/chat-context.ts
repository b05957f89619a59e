import type { ChatContext } from '../../src/chat/chat-context';
import type { ChatState } from '../../src/chat/chat-state';
import { ObservableState } from '../../src/lib/observable-state';
import { MemoryChatCache } from './memory-chat-cache';
import { chatState } from './messages';
import { ScriptedApi } from './scripted-api';
import { TestDevice } from './test-device';

export interface TestChat {
  context: ChatContext;
  state: ObservableState<ChatState>;
  api: ScriptedApi;
  cache: MemoryChatCache;
  device: TestDevice;
  /** What the parts handed to `requestFailed`. */
  failures: unknown[];
}

/** A chat context for one part under test: `me` is ana unless said, on a scripted API, a memory cache, a test device. */
export function testChat(state: Partial<ChatState> = {}): TestChat {
  const api = new ScriptedApi();
  const cache = new MemoryChatCache();
  const device = new TestDevice();
  const failures: unknown[] = [];
  const observable = new ObservableState(chatState({ me: 'ana', ...state }));
  const context: ChatContext = {
    me: observable.get().me,
    state: observable,
    api,
    cache,
    device,
    requestFailed: (error) => failures.push(error),
  };
  return { context, state: observable, api, cache, device, failures };
}
