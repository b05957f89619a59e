import type { ChangeOutcome, MessageChange, SearchPage, SearchQuery, Seq, StoredMessage } from '../store.js';
import { encodeContent, decodeContent } from './content.js';
import type { Db } from './db.js';
import { MESSAGE_COLUMNS, NOT_HIDDEN, searchText, STATUS_JOINS, toMessage, type MessageRow } from './pg-message-rows.js';

type Outcome = ChangeOutcome['kind'];

/** Rows given their search_text at a time when a start finds rows from before migration 007. */
const BACKFILL_BATCH = 1000;
/** Matches, over every user, up to which the index hands the hits over; above it, the user's messages are walked. */
const INDEX_HITS_AT_MOST = 2_000;

/**
 * Edit, delete for everyone, delete for me, one message, and search on PostgreSQL (issue #18), with the text
 * store's semantics: each change is one call of a function in migrations/010_message_changes.sql, which
 * checks and writes under the sequence lock and notifies at commit.
 */
export class PgMessageChanges {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  async find(user: string, seq: Seq): Promise<StoredMessage | undefined> {
    const [row] = await this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM events e JOIN messages m ON m.seq = e.seq ${STATUS_JOINS}
       WHERE e.username = $1 AND e.kind = 'msg' AND e.seq = $2 AND ${NOT_HIDDEN}`,
      [user, seq],
    );
    return row ? toMessage(row) : undefined;
  }

  async edit(change: MessageChange & { content: string }): Promise<ChangeOutcome> {
    const at = this.now();
    const outcome = await this.call('SELECT papo_edit($1, $2, $3, $4, $5, $6) AS outcome', [
      change.user,
      change.seq,
      encodeContent(change.content),
      searchText(change.content),
      change.notBefore,
      at,
    ]);
    return result(outcome, at);
  }

  async deleteForEveryone(change: MessageChange): Promise<ChangeOutcome> {
    const at = this.now();
    const outcome = await this.call('SELECT papo_delete($1, $2, $3, $4) AS outcome', [change.user, change.seq, change.notBefore, at]);
    return result(outcome, at);
  }

  async hide(user: string, seq: Seq): Promise<Exclude<ChangeOutcome, { kind: 'not_sender' | 'too_late' }>> {
    const at = this.now();
    const outcome = await this.call('SELECT papo_hide($1, $2, $3) AS outcome', [user, seq, at]);
    return outcome === 'done' ? { kind: 'done', at: at.toISOString() } : { kind: outcome === 'deleted' ? 'deleted' : 'not_found' };
  }

  /**
   * Word prefixes through the full-text index; one more row than asked tells whether there is an older page.
   * Two plans, chosen by how many messages (of every user) the words match, since the planner cannot tell:
   * few, and the index hands them over for this user's newest to be picked (a walk of the user's messages would
   * read and parse them all: 17 to 21 s at 1M rows for a rare word); many, and walking the user's messages
   * newest first meets a page of them soon, where sorting every hit would not.
   */
  async search(user: string, query: SearchQuery): Promise<SearchPage> {
    const words = query.words.map((w) => `${w}:*`).join(' & ');
    const hits = await this.db.query<{ seq: string }>(
      `SELECT seq FROM messages WHERE deleted_at IS NULL AND to_tsvector('simple', search_text) @@ to_tsquery('simple', $1) LIMIT $2`,
      [words, INDEX_HITS_AT_MOST + 1],
    );
    const few = hits.length <= INDEX_HITS_AT_MOST;
    const rows = await this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS}
       FROM events e JOIN messages m ON m.seq = e.seq ${STATUS_JOINS}
       WHERE e.username = $1 AND e.kind = 'msg' AND ($3::text IS NULL OR e.peer = $3) AND ($4::bigint IS NULL OR e.seq < $4)
         AND ($6::bigint[] IS NULL OR m.seq = ANY($6::bigint[]))
         AND m.deleted_at IS NULL AND to_tsvector('simple', m.search_text) @@ to_tsquery('simple', $2)
         AND ${NOT_HIDDEN}
       ORDER BY e.seq DESC LIMIT $5`,
      [user, words, query.with ?? null, query.before ?? null, query.limit + 1, few ? hits.map((h) => h.seq) : null],
    );
    const page = rows.slice(0, query.limit).map(toMessage);
    return { messages: page, before: rows.length > query.limit ? (page.at(-1)?.seq ?? null) : null };
  }

  /** Gives rows written before migration 007 their search_text (folded here, as new rows are). */
  async backfillSearchText(): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await this.db.query<{ seq: string; content: string }>(
        `SELECT seq, content FROM messages WHERE search_text IS NULL AND deleted_at IS NULL ORDER BY seq LIMIT ${BACKFILL_BATCH}`,
      );
      if (rows.length === 0) return done;
      await this.db.query(
        `UPDATE messages m SET search_text = v.s FROM unnest($1::bigint[], $2::text[]) AS v(seq, s) WHERE m.seq = v.seq`,
        [rows.map((r) => r.seq), rows.map((r) => searchText(decodeContent(r.content)))],
      );
      done += rows.length;
    }
  }

  private async call(sql: string, params: unknown[]): Promise<Outcome> {
    const [row] = await this.db.query<{ outcome: Outcome }>(sql, params);
    return row?.outcome ?? 'not_found';
  }
}

function result(outcome: Outcome, at: Date): ChangeOutcome {
  return outcome === 'done' ? { kind: 'done', at: at.toISOString() } : { kind: outcome };
}
