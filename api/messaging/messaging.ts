import { claimForSend, unclaimRefused } from '../attachments/attachments.js';
import type { Conversation, HistoryResponse, Message, PollResponse } from '../contract.js';
import { AppError } from '../errors.js';
import { existingUsername } from '../accounts/existing-user.js';
import { accountDeleted } from '../accounts/delete-account.js';
import type { Store, TokenKey } from '../store/store.js';
import { cursorExpired, StreamCursors } from './cursor.js';
import type { LongPollHub } from './long-poll.js';
import { createMessageChanges, type ChangeWindows, type MessageChanges } from './message-changes.js';
import { pageAnswer, pageStart } from './history-pages.js';
import { MessageIds } from './message-ids.js';
import { TokenCipher } from './token-cipher.js';

/** EDIT_WINDOW_MINUTES and DELETE_WINDOW_HOURS's defaults (api/config.ts). */
const DEFAULT_WINDOWS: ChangeWindows = { editMinutes: 15, deleteHours: 48 };

/** At most this many events in one poll answer; the rest come with the next poll. */
export const MAX_EVENTS_PER_POLL = 100;

/** In a `u` regex a surrogate range matches only unpaired surrogates: paired ones are one code point. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export interface SendInput {
  to: string;
  content: string;
  clientId?: string;
  /** Ids of attachments the sender uploaded (issue #18). */
  attachments?: string[];
  /** The id of the message this one answers (issue #18). */
  replyTo?: string;
}

/** The session a poll comes with: a poll never outlives it (issue #15, item 5). */
export interface PollSession {
  /** The session's key (the SHA-256 of its id, as the stores keep it): how the store names it when it ends. */
  key: string;
  /** When the session ends unless used again (ms since the epoch): its idle expiry or its absolute lifetime. */
  expiresAt: number;
}

export interface PollInput {
  after?: string;
  waitSeconds: number;
  session: PollSession;
  /**
   * Hands over what to call if the client goes away, so its poll stops counting against the limits. A
   * callback rather than an AbortSignal: an AbortController per held poll cost memory and CPU on every
   * poll, and nearly every poll is answered rather than abandoned (issue #4).
   */
  onGone: (stop: () => void) => void;
}

export interface Messaging {
  /** Edit, delete, search (issue #18): message-changes.ts. */
  readonly changes: MessageChanges;
  send(from: string, input: SendInput): Promise<{ message: Message; created: boolean }>;
  poll(user: string, input: PollInput): Promise<PollResponse>;
  markRead(user: string, peer: string, upTo: string): Promise<void>;
  history(user: string, query: { with?: string; before?: string; limit: number }): Promise<HistoryResponse>;
  conversations(user: string): Promise<Conversation[]>;
}

/**
 * The messaging use-cases, in the words of the product: who may send to whom, what a cursor means, how a
 * long-poll waits. Storage is the store's; waiting is the hub's. The store speaks sequence numbers; what
 * clients see are the opaque ids and cursors made here with `key` (the store's `tokenKey()`).
 *
 * Persist first, then wake (docs/architecture.md): each use-case that grows streams wakes the polls this
 * process holds once the store's promise resolved, i.e. once the write is durable and readable. Polls held
 * by other processes on the same PostgreSQL are woken by its NOTIFY (`store.onStreamsGrewElsewhere`, wired
 * in api/server.ts).
 */
export function createMessaging(store: Store, hub: LongPollHub, key: TokenKey, windows: ChangeWindows = DEFAULT_WINDOWS): Messaging {
  const { messages, users } = store;
  const cipher = new TokenCipher(key.key);
  const ids = new MessageIds(cipher, key.legacyIdsUpTo);
  const cursors = new StreamCursors(cipher, messages.epoch);

  /** A username from a request that must name an existing account. */
  const existingUser = (raw: string, field: string) => existingUsername(users, raw, field);

  const ruled = createMessageChanges(
    messages,
    key,
    windows,
    existingUser,
    (users) => hub.wake(users),
    (ids) => store.attachments.remove(ids),
  );
  const changes: MessageChanges = {
    ...ruled,
    async remove(user, id, scope) {
      const seq = scope === 'everyone' ? ids.seqOf(id) : undefined;
      const carried = seq === undefined ? undefined : (await messages.find(user, seq))?.attachments;
      await ruled.remove(user, id, scope);
      // Deleted means gone (issue #18): the files it carried go too, durably, bytes included unless another
      // upload shares them. An attachment goes with one message only, so nothing else points to them.
      if (carried && carried.length > 0) await store.attachments.remove(carried.map((a) => a.id));
    },
  };

  return {
    changes,

    async send(from, input) {
      const to = await existingUser(input.to, 'to');
      if (to === from) throw new AppError('invalid_request', 'you cannot send a message to yourself');
      // 410, not 404: the person existed, their messages stay in the conversation, and they are gone for good.
      // Asked here only where it costs nothing, so the 410 comes first as it always did; the store's append
      // decides, atomically with a deletion, with no round trip of its own (issue #20).
      if (users.knownDeleted(to)) throw accountDeleted(to);
      // JSON may carry a lone surrogate ("\ud800"); UTF-8 files cannot, so it would come back as U+FFFD.
      if (LONE_SURROGATE.test(input.content) || LONE_SURROGATE.test(input.clientId ?? '')) {
        throw new AppError('invalid_request', 'content and clientId must be valid Unicode text (no unpaired surrogates)');
      }
      const attachmentIds = input.attachments ?? [];
      if (input.content.length === 0 && attachmentIds.length === 0) {
        throw new AppError('invalid_request', 'content must not be empty unless the message carries attachments');
      }
      // Checked before the claim: a refused send must not have given its recipient the files.
      const replyTo = input.replyTo === undefined ? undefined : await changes.replyTarget(from, to, input.replyTo);
      // Claimed before the message is stored, so no message can point to a file the sweep could take.
      const send = { from, to, clientId: input.clientId, ids: attachmentIds, at: new Date().toISOString() };
      const attachments = attachmentIds.length === 0 ? [] : await claimForSend(store.attachments, send);
      const result = await messages.tryAppend({
        from,
        to,
        content: input.content,
        ...(input.clientId === undefined ? {} : { clientId: input.clientId }),
        ...(attachments.length === 0 ? {} : { attachments }),
        ...(replyTo === undefined ? {} : { replyTo }),
      });
      if (result.kind === 'recipient_deleted') {
        // Deleted since the look above, or on another process: nothing was stored, and the files claimed for
        // it go back to the sender, never to a deleted account.
        await unclaimRefused(store.attachments, send, []);
        throw accountDeleted(to);
      }
      // Durable now: wake the recipient's held polls, and the sender's other devices'. (A retry was woken by
      // its original; a message withheld by a block wakes the recipient's polls to find nothing new.)
      if (result.kind === 'created') hub.wake([from, to]);
      const message = ids.message(result.message);
      if (result.kind === 'conflict') {
        await unclaimRefused(store.attachments, send, result.message.attachments ?? []);
        throw new AppError(
          'client_id_conflict',
          `clientId ${JSON.stringify(input.clientId)} was already used for a different message (id ${message.id})`,
        );
      }
      return { message, created: result.kind === 'created' };
    },

    async poll(user, { after, waitSeconds, session, onGone }) {
      // Decoded first: a cursor that is not ours is refused before anything is held.
      const cursor = after === undefined ? undefined : cursors.decode(after);
      // Held until the wait runs out or the session does, whichever comes first: the client's next poll then
      // gets its 401 (issue #15, item 5). Held before the acknowledgement, so that whatever commits after it
      // wakes this poll: then an acknowledgement that found nothing newer needs no read (issue #20).
      const waiter = hub.hold(user, session.key, Math.max(0, Math.min(waitSeconds * 1000, session.expiresAt - Date.now())));
      // Once the poll is answered the waiter is finished, and a late call changes nothing.
      onGone(() => waiter.finish('aborted'));
      try {
        let position: number;
        let mayHaveNewer = true;
        if (cursor === undefined) {
          position = await messages.startPosition(user);
        } else {
          position = cursor;
          // Passing a cursor acknowledges everything up to it (that is what "delivered" means).
          const ack = await messages.acknowledge(user, position);
          if (ack.kind === 'not_handed_out') throw cursorExpired();
          // The senders' streams got their "delivered" status events, durably.
          hub.wake(ack.senders);
          mayHaveNewer = ack.newer;
        }
        for (let read = mayHaveNewer; ; read = true) {
          const page = read ? await messages.readStream(user, position, MAX_EVENTS_PER_POLL) : undefined;
          // Its session ended while the stream was read: nothing more goes to that session.
          if (waiter.sessionEnded) return { events: [], cursor: cursors.encode(position) };
          if (page !== undefined && page.events.length > 0)
            return { events: [...ids.events(page.events), ...waiter.takeSignals()], cursor: cursors.encode(page.last) };
          // Ephemeral events (typing) answer too, with the cursor where it was: they are not in the stream.
          const signals = waiter.takeSignals();
          if (signals.length > 0) return { events: signals, cursor: cursors.encode(position) };
          if ((await waiter.next()) !== 'woken') return { events: [], cursor: cursors.encode(position) };
        }
      } finally {
        waiter.finish('answered');
      }
    },

    async markRead(user, peer, upTo) {
      const name = await existingUser(peer, 'with');
      const seq = ids.seqOf(upTo);
      if (seq === undefined) {
        throw new AppError('message_not_found', `there is no message ${JSON.stringify(upTo)} in your conversation with ${name}`);
      }
      // The store says what happened; the wording is the domain's, one for both stores.
      if ((await messages.markRead(user, name, seq)) === 'not_found') {
        throw new AppError('message_not_found', `that message is not in your conversation with ${name}`);
      }
      // The peer's stream got "read" status events; the reader's other devices, the read mark.
      hub.wake([name, user]);
    },

    async history(user, query) {
      const peer = query.with === undefined ? undefined : await existingUser(query.with, 'with');
      const start = pageStart(ids, peer, query.before, '"before" must be a cursor from a previous history page');
      return pageAnswer(ids, await messages.history(user, { limit: query.limit, ...start }));
    },

    async conversations(user) {
      // People the user blocked are left out, unread counts and all (issue #17); their history stays readable.
      const [rows, blocked] = await Promise.all([messages.conversations(user), store.blocks.list(user)]);
      const hidden = new Set(blocked.map((b) => b.username));
      const shown = rows.filter((r) => !hidden.has(r.with));
      const deleted = new Set<string>();
      for (const r of shown) if (await users.isDeleted(r.with)) deleted.add(r.with);
      return shown.map((r): Conversation => ({
        with: r.with,
        last: ids.message(r.last),
        unread: r.unread,
        ...(deleted.has(r.with) ? { deleted: true as const } : {}),
      }));
    },
  };
}
