import type {
  AppendResult,
  ChangeOutcome,
  MessageChange,
  ExportPage,
  SearchPage,
  SearchQuery,
  HistoryPage,
  HistoryQuery,
  MessageRepository,
  NewMessage,
  Seq,
  StoredConversation,
  StoredEvent,
  StoredAppend,
  StoredMessage,
  StreamPage,
  TokenKey,
  MarkReadOutcome,
  AcknowledgeOutcome,
} from '../store.js';
import { storedOrThrow } from '../store.js';
import { decodeContent } from './content.js';
import type { Db } from './db.js';
import { PgMessageChanges } from './pg-message-changes.js';
import { attachmentsOf, MESSAGE_COLUMNS, NOT_HIDDEN, STATUS_JOINS, toMessage, type MessageRow } from './pg-message-rows.js';
import { PgWrites } from './pg-writes.js';

/**
 * Messages, streams, receipts and history in PostgreSQL, with the text store's semantics exactly. Every
 * write that takes sequence numbers is one call of a function in migrations/001_init.sql: one round trip,
 * one transaction, sequence numbers taken under papo_lock_seq, NOTIFY delivered at commit. Sends and
 * acknowledgements share their batches and their transactions (pg-writes.ts).
 */
export class PgMessages implements MessageRepository {
  private readonly writes: PgWrites;

  readonly changes: PgMessageChanges;

  constructor(
    private readonly db: Db,
    readonly epoch: string,
    private readonly now: () => Date,
    private readonly key: TokenKey & { created: boolean },
  ) {
    this.changes = new PgMessageChanges(db, now);
    this.writes = new PgWrites(db, now);
  }

  async tokenKey(): Promise<TokenKey & { created: boolean }> {
    return this.key;
  }

  /**
   * The recipient's tombstone is looked at in the send's own statement, under papo_lock_seq as a deletion is
   * (migrations/021_send_refuses_deleted_recipient.sql): no round trip of its own, and no race (issue #20).
   */
  async tryAppend(m: NewMessage): Promise<AppendResult> {
    const row = await this.writes.send(m, this.now());
    if (row.o_outcome === 'recipient_deleted') return { kind: 'recipient_deleted' };
    const message: StoredMessage = {
      seq: Number(row.o_seq),
      from: m.from,
      to: row.o_to,
      content: decodeContent(row.o_content),
      sentAt: row.o_sent_at.toISOString(),
      status: 'sent',
    };
    if (row.o_client_id !== null) message.clientId = row.o_client_id;
    const attachments = attachmentsOf(row.o_attachments);
    if (attachments !== undefined) message.attachments = attachments;
    if (row.o_outcome === 'created' && m.replyTo === undefined) return { kind: row.o_outcome, message };
    // A retry (its status, an edit since) or a reply (the message it quotes): the row as it stands.
    const stored = await this.changes.find(m.from, message.seq);
    return { kind: row.o_outcome, message: stored ? { ...stored, status: row.o_outcome === 'created' ? 'sent' : stored.status } : message };
  }

  async append(m: NewMessage): Promise<StoredAppend> {
    return storedOrThrow(await this.tryAppend(m), m.to);
  }

  find(user: string, seq: Seq): Promise<StoredMessage | undefined> {
    return this.changes.find(user, seq);
  }

  // jscpd:ignore-start: plain delegation, which the text store's repository writes the same way (no logic to share)
  edit(change: MessageChange & { content: string }): Promise<ChangeOutcome> {
    return this.changes.edit(change);
  }

  deleteForEveryone(change: MessageChange): Promise<ChangeOutcome> {
    return this.changes.deleteForEveryone(change);
  }

  hide(user: string, seq: Seq): Promise<Exclude<ChangeOutcome, { kind: 'not_sender' | 'too_late' }>> {
    return this.changes.hide(user, seq);
  }

  search(user: string, query: SearchQuery): Promise<SearchPage> {
    return this.changes.search(user, query);
  }
  // jscpd:ignore-end

  async readStream(user: string, after: Seq, limit: number): Promise<StreamPage> {
    // One statement, one snapshot: it holds a prefix of the sequence (papo_lock_seq), so nothing below the
    // last seq returned can still appear later.
    const rows = await this.db.query<
      MessageRow & {
        eseq: string;
        kind: 'msg' | 'st' | 'ed' | 'del' | 'hd';
        message_seq: string;
        event_status: 'delivered' | 'read' | null;
        at: Date;
        event_content: string | null;
        hidden: boolean;
        message_deleted: boolean;
      }
    >(
      `SELECT e.seq AS eseq, e.kind, e.message_seq, e.status AS event_status, e.at, e.content AS event_content,
         e.kind = 'msg' AND NOT ${NOT_HIDDEN} AS hidden,
         e.kind = 'ed' AND EXISTS (SELECT 1 FROM messages x WHERE x.seq = e.message_seq AND x.deleted_at IS NOT NULL) AS message_deleted,
         ${MESSAGE_COLUMNS}
       FROM events e LEFT JOIN messages m ON e.kind = 'msg' AND m.seq = e.seq ${STATUS_JOINS}
       WHERE e.username = $1 AND e.seq > $2 AND e.kind <> 'rd'
       ORDER BY e.seq LIMIT $3`,
      [user, after, limit],
      'papo_read_stream',
    );
    // As the text store: a message this user hid is left out, and so is an edit of a message deleted since.
    const events = rows.flatMap((r): StoredEvent[] => {
      const messageSeq = Number(r.message_seq);
      const at = r.at.toISOString();
      switch (r.kind) {
        case 'msg':
          return r.hidden ? [] : [{ type: 'message', message: toMessage(r) }];
        case 'st':
          return [{ type: 'status', messageSeq, status: r.event_status ?? 'delivered', at }];
        case 'ed':
          // An edit superseded by a later one lost its text (migrations/017): the later event carries the latest.
          return r.message_deleted || r.event_content === null
            ? []
            : [{ type: 'edit', messageSeq, content: decodeContent(r.event_content), at }];
        case 'del':
        case 'hd':
          return [{ type: 'delete', messageSeq, at, forMe: r.kind === 'hd' }];
      }
    });
    const last = rows.at(-1);
    return { events, last: last ? Number(last.eseq) : after };
  }

  /** Before the first undelivered message, else the user's own last event (as the text store answers). */
  async startPosition(user: string): Promise<Seq> {
    const [row] = await this.db.query<{ position: string }>(
      `SELECT COALESCE(
         (SELECT min(m.seq) - 1 FROM messages m WHERE m.recipient = $1 AND NOT m.withheld
            AND m.seq > COALESCE((SELECT upto FROM deliveries WHERE username = $1), 0)),
         (SELECT max(seq) FROM events WHERE username = $1),
         0) AS position`,
      [user],
    );
    return Number(row?.position ?? 0);
  }

  /**
   * Another process may hand out a cursor this process has not heard of yet, so no number known here can
   * tell a cursor that was never handed out from one that is merely new: the database tells, in the same
   * statement (above the sequence's last value: e.g. kept by a phone from before a restore from backup).
   */
  acknowledge(user: string, upTo: Seq): Promise<AcknowledgeOutcome> {
    return this.writes.acknowledge(user, upTo);
  }

  async markRead(user: string, peer: string, upTo: Seq): Promise<MarkReadOutcome> {
    const [row] = await this.db.query<{ outcome: string }>('SELECT papo_mark_read($1, $2, $3, $4) AS outcome', [
      user,
      peer,
      upTo,
      this.now(),
    ]);
    return !row || row.outcome === 'not_found' ? 'not_found' : 'marked';
  }

  async history(user: string, query: HistoryQuery): Promise<HistoryPage> {
    // One more than asked: whether it comes tells if there is an older page.
    const rows = await this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS}
       FROM events e JOIN messages m ON m.seq = e.seq ${STATUS_JOINS}
       WHERE e.username = $1 AND e.kind = 'msg' AND ($2::text IS NULL OR e.peer = $2) AND ($3::bigint IS NULL OR e.seq < $3)
         AND ${NOT_HIDDEN}
       ORDER BY e.seq DESC LIMIT $4`,
      [user, query.with ?? null, query.before ?? null, query.limit + 1],
    );
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit).reverse();
    return { messages: page.map(toMessage), before: more && page[0] ? Number(page[0].seq) : null };
  }

  /**
   * Keyset pages on the sequence number: each page is one indexed range, however long the history. The bound
   * is given on `m` too: without it the planner may merge-join with a scan of messages from the first row,
   * and each page cost more than the one before (200 ms at row 100,000).
   */
  async exportPage(user: string, after: Seq, limit: number): Promise<ExportPage> {
    const rows = await this.db.query<MessageRow & { hidden: boolean }>(
      `SELECT ${MESSAGE_COLUMNS}, NOT ${NOT_HIDDEN} AS hidden
       FROM events e JOIN messages m ON m.seq = e.seq ${STATUS_JOINS}
       WHERE e.username = $1 AND e.kind = 'msg' AND e.seq > $2 AND m.seq > $2
       ORDER BY e.seq LIMIT $3`,
      [user, after, limit],
    );
    const last = rows.at(-1);
    return {
      messages: rows.map((r) => (r.hidden ? { ...toMessage(r), hidden: true } : toMessage(r))),
      last: last ? Number(last.seq) : null,
    };
  }

  async conversations(user: string): Promise<StoredConversation[]> {
    const rows = await this.db.query<MessageRow & { peer: string; unread: string }>(
      `SELECT c.peer, ${MESSAGE_COLUMNS},
         (SELECT count(*) FROM messages u WHERE u.recipient = $1 AND u.sender = c.peer AND NOT u.withheld
            AND u.seq > COALESCE((SELECT upto FROM read_marks WHERE username = $1 AND peer = c.peer), 0)) AS unread
       FROM conversations c
         JOIN LATERAL (SELECT e.seq FROM events e WHERE e.username = $1 AND e.peer = c.peer AND e.kind = 'msg' AND ${NOT_HIDDEN}
                       ORDER BY e.seq DESC LIMIT 1) shown ON true
         JOIN messages m ON m.seq = shown.seq ${STATUS_JOINS}
       WHERE c.username = $1
       ORDER BY shown.seq DESC`,
      [user],
    );
    return rows.map((r) => ({ with: r.peer, last: toMessage(r), unread: Number(r.unread) }));
  }
}
