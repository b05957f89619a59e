import type { Seq, StoredEvent, StreamPage } from '../store.js';
import { refUpperBound } from './sorted-search.js';
import type { TextContext } from './text-context.js';
import type { MessageViews } from './text-message-views.js';

/**
 * A user's stream on the text files: the events of their history (messages, statuses, edits, deletes) after
 * a cursor, up to what the journal has committed, and where a new device starts reading it.
 */
export class TextStream {
  constructor(
    private readonly store: Pick<TextContext, 'state' | 'history'>,
    private readonly views: MessageViews,
  ) {}

  async readStream(user: string, after: Seq, limit: number): Promise<StreamPage> {
    const h = await this.store.history(user);
    const first = refUpperBound(h.events, after);
    // A batch is indexed before its data-file writes end, and its numbers count as committed only after them:
    // an event above `committed` would give a cursor the next poll is refused (410) for; its wake-up comes.
    const end = Math.min(first + limit, refUpperBound(h.events, this.store.state.seq.committed));
    const refs = h.events.slice(first, end);
    const last = refs.at(-1);
    if (!last) return { events: [], last: after };
    const records = await h.records(refs);
    const messages = await this.views.messagesOf(
      h,
      records.filter((r) => r.kind === 'msg'),
    );
    let next = 0;
    const events = records.flatMap((r): StoredEvent[] => {
      if (r.kind === 'msg') {
        const message = messages[next++];
        return message && !h.hidden.has(r.seq) ? [{ type: 'message', message }] : [];
      }
      if (r.kind === 'st') return [{ type: 'status', messageSeq: r.messageSeq, status: r.status, at: r.at }];
      // An edit of a message deleted since, or replaced by a later edit, carries text that is gone (blanked in
      // the file, or about to be): a device behind gets the latest edit only (issue #18).
      if (r.kind === 'ed')
        return h.deleted.has(r.messageSeq) || !h.isLatestEdit(r.messageSeq, r.seq)
          ? []
          : [{ type: 'edit', messageSeq: r.messageSeq, content: r.content, at: r.at }];
      if (r.kind === 'del' || r.kind === 'hd') return [{ type: 'delete', messageSeq: r.messageSeq, at: r.at, forMe: r.kind === 'hd' }];
      return [];
    });
    return { events, last: last.seq };
  }

  async startPosition(user: string): Promise<Seq> {
    const { queue, seq } = this.store.state;
    const first = queue.firstUndelivered(user);
    if (first !== undefined) return first - 1;
    const { events } = await this.store.history(user);
    return events[refUpperBound(events, seq.committed) - 1]?.seq ?? 0;
  }
}
