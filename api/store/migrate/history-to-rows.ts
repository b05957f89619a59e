import type pg from 'pg';
import { decodeContent, encodeContent } from '../postgres/content.js';
import { searchWords } from '../search-words.js';
import type { HistoryRecord } from '../text/records.js';

/**
 * One user's history records as PostgreSQL rows (migrations/001, 008, 010, 013): the messages (with their
 * attachments, the message they answer, and whether a block withheld them) and the events of the stream,
 * edits, deletes and hides included. Each batch is one transaction with the file's progress mark, so an
 * interrupted copy resumes after its last batch; every insert is ON CONFLICT DO NOTHING, so a message met
 * again in its other party's history is written once.
 */
export async function copyHistoryBatch(
  client: pg.Client,
  user: string,
  records: readonly HistoryRecord[],
  progressKey: string,
): Promise<number> {
  const msgs = records.filter((r): r is Extract<HistoryRecord, { kind: 'msg' }> => r.kind === 'msg');
  const col = <T>(f: (r: HistoryRecord) => T) => records.map(f);
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO messages (seq, sender, recipient, content, sent_at, client_id, attachments, reply_to, withheld, search_text)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::jsonb[], $8::bigint[],
         $9::boolean[], $10::text[])
       ON CONFLICT (seq) DO NOTHING`,
      [
        msgs.map((m) => m.seq),
        msgs.map((m) => m.from),
        msgs.map((m) => m.to),
        msgs.map((m) => encodeContent(m.content)),
        msgs.map((m) => m.sentAt),
        msgs.map((m) => m.clientId ?? null),
        msgs.map((m) => (m.attachments && m.attachments.length > 0 ? JSON.stringify(m.attachments) : null)),
        msgs.map((m) => m.replyTo ?? null),
        msgs.map((m) => m.withheld === true),
        msgs.map((m) => searchWords(m.content).join(' ')),
      ],
    );
    // An edit, a delete or a hide names its message only: its peer is the other party of that message,
    // which is in this history (a record never comes before its message's).
    const result = await client.query(
      `INSERT INTO events (username, seq, kind, peer, message_seq, status, at, content)
       SELECT $1, v.seq, v.kind,
              COALESCE(v.peer, (SELECT CASE WHEN m.sender = $1 THEN m.recipient ELSE m.sender END FROM messages m WHERE m.seq = v.message_seq)),
              v.message_seq, v.status, v.at, v.content
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[], $8::text[])
         AS v(seq, kind, peer, message_seq, status, at, content)
       ON CONFLICT (username, seq) DO NOTHING`,
      [
        user,
        col((r) => r.seq),
        col((r) => r.kind),
        col((r) => (r.kind === 'msg' ? (r.from === user ? r.to : r.from) : r.kind === 'st' || r.kind === 'rd' ? r.peer : null)),
        col((r) => (r.kind === 'msg' ? r.seq : r.kind === 'rd' ? r.upTo : r.messageSeq)),
        col((r) => (r.kind === 'st' ? r.status : null)),
        col((r) => (r.kind === 'msg' ? r.sentAt : r.at)),
        col((r) => (r.kind === 'ed' ? encodeContent(r.content) : null)),
      ],
    );
    await client.query('INSERT INTO papo_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      progressKey,
      String(records.at(-1)?.seq ?? 0),
    ]);
    await client.query('COMMIT');
    return result.rowCount ?? 0;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Once every history is in: a message row takes its latest edit's text (the text files keep the first text
 * in the msg record, each edit in its own record; PostgreSQL keeps the latest in the row), and a message
 * deleted for everyone loses its text, its files' names and its edits' texts, as papo_delete does
 * (migrations/014). The text files hold only spaces there already (docs/reliability.md, "Deleted means
 * gone"): nothing deleted comes back. Set-based, so a second run finds nothing left to do.
 */
export async function settleChanges(client: pg.Client): Promise<void> {
  await client.query(
    `UPDATE messages m SET content = e.content, edited_at = e.at, search_text = NULL
     FROM (SELECT DISTINCT ON (message_seq) message_seq, content, at FROM events WHERE kind = 'ed' ORDER BY message_seq, seq DESC) e
     WHERE m.seq = e.message_seq AND m.deleted_at IS NULL AND m.edited_at IS DISTINCT FROM e.at AND e.content IS NOT NULL`,
  );
  // PostgreSQL keeps only the latest text of an edited message (migrations/017): earlier edits lose theirs.
  await client.query(
    `UPDATE events e SET content = NULL WHERE e.kind = 'ed' AND e.content IS NOT NULL
       AND EXISTS (SELECT 1 FROM events later WHERE later.kind = 'ed' AND later.message_seq = e.message_seq AND later.seq > e.seq)`,
  );
  await client.query(
    `UPDATE messages m SET content = '', search_text = NULL, attachments = NULL, edited_at = NULL, deleted_at = d.at
     FROM (SELECT message_seq, min(at) AS at FROM events WHERE kind = 'del' GROUP BY message_seq) d
     WHERE m.seq = d.message_seq AND m.deleted_at IS NULL`,
  );
  await client.query(
    `UPDATE events e SET content = NULL WHERE e.kind = 'ed' AND e.content IS NOT NULL
       AND EXISTS (SELECT 1 FROM events d WHERE d.kind = 'del' AND d.message_seq = e.message_seq)`,
  );
  // The edited rows' words, folded as the store folds them (api/store/search-words.ts).
  for (;;) {
    const { rows } = await client.query<{ seq: string; content: string }>(
      'SELECT seq, content FROM messages WHERE search_text IS NULL AND deleted_at IS NULL ORDER BY seq LIMIT 1000',
    );
    if (rows.length === 0) return;
    await client.query('UPDATE messages m SET search_text = v.s FROM unnest($1::bigint[], $2::text[]) AS v(seq, s) WHERE m.seq = v.seq', [
      rows.map((r) => r.seq),
      rows.map((r) => searchWords(decodeContent(r.content)).join(' ')),
    ]);
  }
}
