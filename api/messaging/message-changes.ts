import type { Message, SearchResponse } from '../contract.js';
import { AppError } from '../errors.js';
import { searchWords } from '../store/search-words.js';
import type { ChangeOutcome, MessageRepository, TokenKey } from '../store/store.js';
import { pageAnswer, pageStart } from './history-pages.js';
import { MessageIds } from './message-ids.js';
import { TokenCipher } from './token-cipher.js';
import { must } from '../assert.js';

/**
 * How long after sending a message its sender may still change it (issue #18). WhatsApp lets a message be
 * edited for 15 minutes and deleted for everyone for about two days; Telegram lets both be done at any time
 * in private chats (48 hours for some group powers). Papo follows WhatsApp: a correction is for the
 * minutes after sending, while what the other person has read and answered stays as it was; taking a
 * message back is allowed for two days, long enough to notice a message sent to the wrong person.
 */
export interface ChangeWindows {
  editMinutes: number;
  deleteHours: number;
}

export interface SearchInput {
  q: string;
  with?: string;
  before?: string;
  limit: number;
}

export interface MessageChanges {
  edit(user: string, id: string, content: string): Promise<Message>;
  /** Delete for everyone, or hide in `user`'s own history (`me`). */
  remove(user: string, id: string, scope: 'everyone' | 'me'): Promise<void>;
  search(user: string, input: SearchInput): Promise<SearchResponse>;
  /** The sequence number of the message `id` answers, checked to be in the conversation of `from` and `to`. */
  replyTarget(from: string, to: string, id: string): Promise<number>;
}

/** A search of more words than this is refused: each costs a walk of the index. */
const MAX_QUERY_WORDS = 10;

/** Edit, delete, replies' checks and search (issue #18): the rules; the stores keep the records. */
export function createMessageChanges(
  messages: MessageRepository,
  key: TokenKey,
  windows: ChangeWindows,
  /** Resolves a `with` username (messaging's existingUser), so both answer the same errors. */
  existingUser: (raw: string, field: string) => Promise<string>,
  /** Wakes the polls of these users (the hub), called once a change is durable. */
  wake: (users: readonly string[]) => void,
  /** Takes attachments away durably (api/store/attachment-repository.ts): a deleted message's files go with it. */
  removeAttachments: (ids: readonly string[]) => Promise<void> = async () => undefined,
  now: () => Date = () => new Date(),
): MessageChanges {
  const ids = new MessageIds(new TokenCipher(key.key), key.legacyIdsUpTo);

  function seqOf(id: string): number {
    const seq = ids.seqOf(id);
    if (seq === undefined) throw new AppError('message_not_found', `there is no message ${JSON.stringify(id)} in your history`);
    return seq;
  }

  const since = (ms: number): string => new Date(now().getTime() - ms).toISOString();

  return {
    async edit(user, id, content) {
      const seq = seqOf(id);
      refuse(await messages.edit({ user, seq, content, notBefore: since(windows.editMinutes * 60_000) }), windows, 'edited');
      const message = await messages.find(user, seq);
      // Both streams got the edit (only the sender's when the message was withheld: the other re-reads nothing).
      wake(message ? [message.from, message.to] : [user]);
      if (!message) throw new AppError('message_not_found', 'that message is no longer in your history');
      return ids.message(message);
    },

    async remove(user, id, scope) {
      const seq = seqOf(id);
      if (scope === 'me') {
        const outcome = await messages.hide(user, seq);
        if (outcome.kind === 'not_found') throw new AppError('message_not_found', 'there is no such message in your history');
        if (outcome.kind === 'deleted') throw new AppError('message_deleted', 'you already deleted that message for yourself');
        // The user's other devices take it away too.
        wake([user]);
        return;
      }
      const found = await messages.find(user, seq);
      const carried = found?.attachments ?? [];
      refuse(await messages.deleteForEveryone({ user, seq, notBefore: since(windows.deleteHours * 3_600_000) }), windows, 'deleted');
      wake(found ? [found.from, found.to] : [user]);
      // An attachment goes with one send (api/attachments/attachments.ts), so these were this message's alone.
      if (carried.length > 0) await removeAttachments(carried.map((a) => a.id));
    },

    async search(user, input) {
      const words = [...new Set(searchWords(input.q))];
      if (!words.some((w) => [...w].length >= 2)) {
        throw new AppError('invalid_request', 'q must hold a word of at least 2 letters or digits');
      }
      if (words.length > MAX_QUERY_WORDS) throw new AppError('invalid_request', `q may hold at most ${MAX_QUERY_WORDS} words`);
      const peer = input.with === undefined ? undefined : await existingUser(input.with, 'with');
      const start = pageStart(ids, peer, input.before, '"before" must be the cursor of a previous search page');
      return pageAnswer(ids, await messages.search(user, { words, limit: input.limit, ...start }));
    },

    async replyTarget(from, to, id) {
      const seq = ids.seqOf(id);
      const quoted = seq === undefined ? undefined : await messages.find(from, seq);
      if (!quoted || (quoted.from !== to && quoted.to !== to)) {
        throw new AppError('invalid_reply', `replyTo must be the id of a message in your conversation with ${to}`);
      }
      if (quoted.deleted) throw new AppError('invalid_reply', 'that message was deleted: it cannot be answered');
      // A message was found under it, so the id named one.
      return must(seq, 'the sequence number of a reply target that was found');
    },
  };
}

function refuse(outcome: ChangeOutcome, windows: ChangeWindows, what: 'edited' | 'deleted'): void {
  switch (outcome.kind) {
    case 'done':
      return;
    case 'not_found':
      throw new AppError('message_not_found', 'there is no such message in your history');
    case 'not_sender':
      throw new AppError('not_your_message', `only the sender of a message can have it ${what}`);
    case 'deleted':
      throw new AppError('message_deleted', 'that message was already deleted for everyone');
    case 'too_late':
      throw new AppError(
        'change_window_over',
        what === 'edited'
          ? `a message can be edited for ${windows.editMinutes} minutes after it was sent`
          : `a message can be deleted for everyone for ${windows.deleteHours} hours after it was sent`,
      );
  }
}
