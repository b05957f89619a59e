import type { ObservableState } from '../lib/observable-state';
import type { ChatState, ConnectionStatus } from './chat-state';

/**
 * Whether the server can be reached, as the screens show it (issue #3). The poll loop, the outbox and the
 * browser's network events all report here; coming back online is when what waited can go.
 */
export class Connection {
  private stopped = false;

  constructor(
    private readonly state: ObservableState<ChatState>,
    private readonly onOnline: (previous: ConnectionStatus) => void,
  ) {}

  set(next: ConnectionStatus): void {
    const previous = this.state.get().connection;
    if (previous === next || this.stopped) return;
    this.state.update({ connection: next });
    if (next === 'online') this.onOnline(previous);
  }

  /** The session ended: what its loops report late changes nothing. */
  stop(): void {
    this.stopped = true;
  }
}
