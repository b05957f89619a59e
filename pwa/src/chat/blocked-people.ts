import type { BlockedUser } from '../../../api/contract';
import { ApiError } from '../api/api-error';
import { ObservableState } from '../lib/observable-state';
import type { ChatContext } from './chat-context';

/** Whom I blocked, as far as this device knows: `null` until the server's list has been read once. */
export interface BlockedState {
  blocked: readonly BlockedUser[] | null;
}

/**
 * The people I blocked (issue #17), shared by the settings list and the conversation with each of them (its
 * notice and its header action), so blocking in one place shows in the other at once.
 */
export class BlockedPeople {
  readonly state = new ObservableState<BlockedState>({ blocked: null });

  /** `onChanged`: the server's conversation list changed with the block (a blocked person's conversation leaves it). */
  constructor(
    private readonly context: ChatContext,
    private readonly onChanged: () => Promise<void>,
  ) {}

  /** Reads the list again; a failure leaves what was known (and reports a lost session). */
  async load(): Promise<void> {
    try {
      const { blocked } = await this.context.api.blocks();
      this.state.update({ blocked });
    } catch (error) {
      this.context.requestFailed(error);
      throw error;
    }
  }

  async block(username: string): Promise<void> {
    await this.change(() => this.context.api.block(username));
    this.state.update(({ blocked }) => ({
      blocked: isBlocked({ blocked }, username) ? blocked : [...(blocked ?? []), { username, at: new Date().toISOString() }],
    }));
    await this.afterChange();
  }

  async unblock(username: string): Promise<void> {
    await this.change(() => this.context.api.unblock(username));
    this.state.update(({ blocked }) => ({ blocked: blocked?.filter((b) => b.username !== username) ?? null }));
    await this.afterChange();
  }

  private async change(request: () => Promise<void>): Promise<void> {
    try {
      await request();
    } catch (error) {
      // A refusal is the caller's to show; only a lost session is the session's business.
      if (error instanceof ApiError && error.code === 'not_authenticated') this.context.requestFailed(error);
      throw error;
    }
  }

  /** The change is done and shown; the server's own list (its times) and the conversation list follow. */
  private async afterChange(): Promise<void> {
    await Promise.all([this.load().catch(() => undefined), this.onChanged()]);
  }
}

/** Whether `username` is in the list; `null` while the list is not known yet. */
export function isBlocked(state: BlockedState, username: string): boolean | null {
  return state.blocked === null ? null : state.blocked.some((b) => b.username === username);
}
