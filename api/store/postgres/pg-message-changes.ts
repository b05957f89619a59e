import type { ChangeOutcome, MessageChange, SearchPage, SearchQuery, Seq, StoredMessage } from '../store.js';
import { encodeContent, decodeContent } from './content.js';
import { must } from '../../assert.js';
import type { Db } from './db.js';
import { MESSAGE_COLUMNS, NOT_HIDDEN, searchText, STATUS_JOINS, toMessage, type MessageRow } from './pg-message-rows.js';

type Outcome = ChangeOutcome['kind'];

/** Rows given their search_text at a time when a start finds rows from before migration 007. */
const BACKFILL_BATCH = 1000;
/** Matches, over every user, up to which the index hands the hits over; above it, the user's messages are walked. */
const INDEX_HITS_AT_MOST = 2_000;
/** The user's newest messages a search tries first. */
const WINDOW = 2_000;
/** The search's scope, given the placeholders of its user, its conversation (or NULL: all) and its cursor. */
function inScope(user: string, peer: string, before: string): string {
  return `e.username = ${user} AND e.kind = 'msg' AND (${peer}::text IS NULL OR e.peer = ${peer}) AND (${before}::bigint IS NULL OR e.seq < ${before})`;
}
/** The search's parameters: $1 user, $2 words, $3 conversation, $4 cursor, $5 rows wanted. */
const IN_SCOPE = inScope('$1', '$3', '$4');
/** The oldest seq of the window, in scope `scope`: NULL when the scope holds fewer messages than the window. */
const windowStart = (scope: string) => `SELECT e.seq FROM events e WHERE ${scope} ORDER BY e.seq DESC OFFSET ${WINDOW - 1} LIMIT 1`;
/** The window's oldest seq, or 0 (bounding the messages too lets the planner read only the window's rows). */
const WINDOW_FROM = `COALESCE((${windowStart(IN_SCOPE)}), 0)`;

/**
 * A search's page of the messages in scope whose words match $2, newest first, `narrower` added to the filter.
 * `walk`: the words are tested row by row, in a form the full-text index cannot answer (`IS TRUE`), so that the
 * planner walks the window rather than building the bitmap of every message with a common word.
 */
function searchSql(narrower: string, walk = false): string {
  const match = walk ? `(m.search_words @@ to_tsquery('simple', $2)) IS TRUE` : `m.search_words @@ to_tsquery('simple', $2)`;
  return `SELECT ${MESSAGE_COLUMNS}
       FROM events e JOIN messages m ON m.seq = e.seq ${STATUS_JOINS}
       WHERE ${IN_SCOPE} ${narrower}
         AND m.deleted_at IS NULL AND ${match}
         AND ${NOT_HIDDEN}
       ORDER BY e.seq DESC LIMIT $5`;
}

function searchPage(rows: MessageRow[], limit: number): SearchPage {
  const page = rows.slice(0, limit).map(toMessage);
  return { messages: page, before: rows.length > limit ? (page.at(-1)?.seq ?? null) : null };
}

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
   * Word prefixes, newest first; one more row than asked tells whether there is an older page. Three plans,
   * tried in turn, since the planner cannot tell how many messages a prefix matches (docs/performance.md,
   * "Search"): the user's newest WINDOW messages, where a word they use often fills the page at once; then, if
   * the words match at most INDEX_HITS_AT_MOST messages of every user, those from the index; else the walk of
   * all the user's messages, newest first, each row's stored words tested.
   */
  async search(user: string, query: SearchQuery): Promise<SearchPage> {
    const words = query.words.map((w) => `${w}:*`).join(' & ');
    const params = [user, words, query.with ?? null, query.before ?? null, query.limit + 1];
    const recent = await this.db.query<MessageRow>(searchSql(`AND e.seq >= ${WINDOW_FROM} AND m.seq >= ${WINDOW_FROM}`, true), params);
    if (recent.length > query.limit || (await this.windowHoldsAll(user, query))) return searchPage(recent, query.limit);
    const hits = await this.db.query<{ seq: string }>(
      `SELECT seq FROM messages WHERE deleted_at IS NULL AND search_words @@ to_tsquery('simple', $1) LIMIT $2`,
      [words, INDEX_HITS_AT_MOST + 1],
    );
    const few = hits.length <= INDEX_HITS_AT_MOST;
    const rows = await this.db.query<MessageRow>(searchSql(few ? 'AND m.seq = ANY($6::bigint[])' : ''), [
      ...params,
      ...(few ? [hits.map((h) => h.seq)] : []),
    ]);
    return searchPage(rows, query.limit);
  }

  /** Whether the window of the user's newest messages (in the conversation, before the cursor) is all of them. */
  private async windowHoldsAll(user: string, query: SearchQuery): Promise<boolean> {
    const [row] = await this.db.query<{ whole: boolean }>(`SELECT (${windowStart(inScope('$1', '$2', '$3'))}) IS NULL AS whole`, [
      user,
      query.with ?? null,
      query.before ?? null,
    ]);
    return must(row, 'the one row of a SELECT without FROM').whole;
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
