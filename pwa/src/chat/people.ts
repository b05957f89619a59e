import type { ChatContext } from './chat-context';

/** A typing signal is sent at most this often per peer: the server passes on one every 2.5 s anyway. */
export const TYPING_SEND_EVERY_MS = 2_500;

/**
 * The people in my chats (issue #19, items 10 to 12): their display names and presence as the server last said,
 * and who is typing to me. Typing is shown until the time the signal gave, or until that person's message
 * arrives, whichever comes first; it is never cached.
 */
export class People {
  private readonly lastTyped = new Map<string, number>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly context: ChatContext,
    private readonly now: () => number = Date.now,
  ) {}

  /** Asks the server about these people; what it says replaces what was known. Offline: nothing changes. */
  async refresh(names: readonly string[]): Promise<void> {
    const unique = [...new Set(names)];
    if (unique.length === 0) return;
    try {
      const { users } = await this.context.api.users(unique);
      this.context.state.update((current) => {
        const people = { ...current.people };
        for (const user of users) people[user.username] = user;
        return { people };
      });
    } catch (error) {
      this.context.requestFailed(error);
    }
  }

  /** What the name of `username` is, where a person reads it. */
  shownName(username: string): string {
    return this.context.state.get().people[username]?.displayName ?? username;
  }

  /** `from` is typing to me, for `seconds`. */
  typingFrom(from: string, seconds: number): void {
    const until = this.now() + seconds * 1000;
    this.context.state.update((current) => ({ typing: { ...current.typing, [from]: until } }));
    clearTimeout(this.timers.get(from));
    this.timers.set(
      from,
      setTimeout(() => this.stoppedTyping(from), seconds * 1000),
    );
  }

  /** A message from `from` arrived: they are no longer typing it. */
  stoppedTyping(from: string): void {
    clearTimeout(this.timers.get(from));
    this.timers.delete(from);
    if (!(from in this.context.state.get().typing)) return;
    this.context.state.update((current) => {
      const typing = { ...current.typing };
      delete typing[from];
      return { typing };
    });
  }

  /** I typed in the conversation with `peer`: tell them, at most once every TYPING_SEND_EVERY_MS. */
  typingTo(peer: string): void {
    const now = this.now();
    if (now - (this.lastTyped.get(peer) ?? -Infinity) < TYPING_SEND_EVERY_MS) return;
    if (this.context.state.get().connection === 'offline') return;
    this.lastTyped.set(peer, now);
    // A lost typing signal matters to nobody: no retry, and a failure is not shown.
    this.context.api.typing(peer).catch(() => undefined);
  }

  /** My message went out: the next key press is a new typing signal at once. */
  sent(peer: string): void {
    this.lastTyped.delete(peer);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
