import type { Message, Quote, SearchResponse } from '../../../api/contract';
import type { ChatContext } from './chat-context';
import type { ChatState, Thread } from './chat-state';
import type { CachedConversation } from './chat-cache';
import { fromServer, type LocalMessage } from './local-message';
import type { ThreadPages } from './thread-pages';

/** How a change reaches a message: the new text, "deleted for everyone", or "hidden by me". */
export type MessageChange =
  { kind: 'edit'; content: string; editedAt: string } | { kind: 'delete'; forMe: boolean } | { kind: 'replace'; message: Message };

/** Older pages loaded at most, looking for a quoted message, before giving up. */
const MAX_PAGES_TO_FIND = 20;

function changed(m: LocalMessage, change: MessageChange): LocalMessage {
  switch (change.kind) {
    case 'edit':
      return m.deleted ? m : { ...m, content: change.content, editedAt: change.editedAt };
    case 'delete': {
      if (change.forMe) return { ...m, hidden: true };
      const { editedAt: _edited, replyTo: _reply, ...rest } = m;
      return { ...rest, content: '', deleted: true };
    }
    case 'replace':
      return { ...fromServer(change.message), status: m.status, ...(m.clientId ? { clientId: m.clientId } : {}) };
  }
}

/** A quote of message `id` follows it: its latest text, or "deleted". */
function requoted(m: LocalMessage, id: string, change: MessageChange): LocalMessage {
  if (m.replyTo?.id !== id) return m;
  const quote: Quote =
    change.kind === 'delete' && !change.forMe
      ? { id, from: m.replyTo.from, content: '', deleted: true }
      : change.kind === 'edit'
        ? { ...m.replyTo, content: [...change.content].slice(0, 200).join('') }
        : m.replyTo;
  return { ...m, replyTo: quote };
}

/** The state after message `id` changed: every copy of it, and every quote of it (pure, for the unit tests). */
export function applyChange(
  state: ChatState,
  id: string,
  change: MessageChange,
): { threads: Record<string, Thread>; conversations: CachedConversation[]; updated: LocalMessage[] } {
  const updated: LocalMessage[] = [];
  const apply = (m: LocalMessage): LocalMessage => {
    const next = m.id === id ? changed(m, change) : requoted(m, id, change);
    if (next !== m) updated.push(next);
    return next;
  };
  const threads: Record<string, Thread> = {};
  for (const [peer, thread] of Object.entries(state.threads)) {
    const messages = thread.messages.map(apply);
    threads[peer] = messages.some((m, i) => m !== thread.messages[i]) ? { ...thread, messages } : thread;
  }
  const conversations = state.conversations.map((row) => {
    const last = row.last.id === id ? changed(row.last, change) : row.last;
    return last === row.last ? row : { ...row, last };
  });
  return { threads, conversations, updated };
}

/**
 * Edit, delete and reply-jumps (issue #18) on this device: what the person does (sent to the server, then
 * applied) and what the stream says others did (applied as it comes, by message id).
 */
export class MessageChanges {
  /** A message to show once its conversation opens (a search result tapped in the list). */
  private pending: { peer: string; id: string } | undefined;

  constructor(
    private readonly context: ChatContext,
    private readonly pages: ThreadPages,
  ) {}

  /** Applies a change to every copy of message `id` shown or cached. */
  async apply(id: string, change: MessageChange): Promise<void> {
    const { me, state, cache } = this.context;
    const { threads, conversations, updated } = applyChange(state.get(), id, change);
    if (updated.length === 0 && conversations.every((c, i) => c === state.get().conversations[i])) return;
    state.update({ threads, conversations });
    await cache.putMessages(me, updated);
    for (const row of conversations) if (row.last.id === id) await cache.putConversation(row);
  }

  async edit(id: string, content: string): Promise<void> {
    const { message } = await this.context.api.editMessage(id, content);
    await this.apply(id, { kind: 'replace', message });
  }

  async remove(id: string, scope: 'everyone' | 'me'): Promise<void> {
    await this.context.api.deleteMessage(id, scope);
    await this.apply(id, { kind: 'delete', forMe: scope === 'me' });
  }

  search(q: string, peer?: string, before?: string | null): Promise<SearchResponse> {
    return this.context.api.search({ q, ...(peer ? { with: peer } : {}), ...(before ? { before } : {}) });
  }

  showWhenOpened(peer: string, id: string): void {
    this.pending = { peer, id };
  }

  /** The message to show in `peer`'s conversation, just opened, if one waits. */
  takePending(peer: string): string | undefined {
    const pending = this.pending?.peer === peer ? this.pending.id : undefined;
    if (pending) this.pending = undefined;
    return pending;
  }

  /**
   * Makes message `id` of the conversation with `peer` part of its loaded thread, loading older pages as
   * needed; then the list scrolls to it (`focus` in the state). False when it is not found.
   */
  async reveal(peer: string, id: string): Promise<boolean> {
    const { state } = this.context;
    for (let pages = 0; pages <= MAX_PAGES_TO_FIND; pages++) {
      const thread = state.get().threads[peer];
      if (thread?.messages.some((m) => m.id === id)) {
        state.update((s) => ({ focus: { id, seq: (s.focus?.seq ?? 0) + 1 } }));
        return true;
      }
      if (!thread || thread.before === null) return false;
      await this.pages.loadOlder(peer);
    }
    return false;
  }
}
