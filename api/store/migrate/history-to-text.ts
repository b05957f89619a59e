import type pg from 'pg';
import { decodeAttachments } from '../message-attachments-json.js';
import { decodeContent } from '../postgres/content.js';
import type { DataLayout } from '../text/data-layout.js';
import { nodeDisk, type DiskFile } from '../text/disk.js';
import { encodeHistory, type HistoryRecord } from '../text/records.js';
import type { CopyProgress } from './copy-progress.js';

const PAGE = 5000;

/** A row of the export query: an event, joined to its message when it is one. */
interface EventRow {
  username: string;
  seq: string;
  kind: string;
  peer: string;
  message_seq: string;
  status: 'delivered' | 'read' | null;
  at: Date;
  content: string | null;
  sender: string | null;
  recipient: string | null;
  m_content: string | null;
  client_id: string | null;
  attachments: unknown;
  reply_to: string | null;
  withheld: boolean | null;
}

/**
 * Every user's events as their history file (docs/storage.md), a page at a time, appended as it comes: a
 * long history is never held whole. A message row holds its latest text (an edit's) and the file's msg
 * record takes it, the edits following in their own records; a deleted message's text is already gone from
 * its row and its edits' (migrations/014), so nothing deleted is written. Returns how many records.
 */
export async function exportHistories(client: pg.Client, files: DataLayout, progress: CopyProgress): Promise<number> {
  const [{ n: totalText } = { n: '0' }] = (await client.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows;
  const total = Number(totalText);
  let done = 0;
  progress.onProgress?.(0, total);
  // One cursor over every event in file order, inside the export's snapshot: one pass over the table,
  // where a page query a user at a time re-reads what it skips when the planner has no statistics yet.
  await client.query(
    `DECLARE papo_export_events NO SCROLL CURSOR FOR
     SELECT e.username, e.seq, e.kind, e.peer, e.message_seq, e.status, e.at, e.content,
            m.sender, m.recipient, m.content AS m_content, m.client_id, m.attachments, m.reply_to, m.withheld
     FROM events e LEFT JOIN messages m ON e.kind = 'msg' AND m.seq = e.seq
     ORDER BY e.username, e.seq`,
  );
  let out: { user: string; file: DiskFile } | undefined;
  const finish = async () => {
    if (out === undefined) return;
    const { file } = out;
    out = undefined;
    try {
      await file.datasync();
    } finally {
      await file.close();
    }
  };
  try {
    for (;;) {
      const { rows } = await client.query<EventRow>(`FETCH ${PAGE} FROM papo_export_events`);
      if (rows.length === 0) break;
      for (let i = 0; i < rows.length;) {
        const user = rows[i]?.username ?? '';
        let j = i;
        while (j < rows.length && rows[j]?.username === user) j++;
        if (out?.user !== user) {
          await finish();
          out = { user, file: await nodeDisk.open(files.history(user), 'w') };
        }
        // An edit with no text is an earlier version (migrations/017) or one of a deleted message: the
        // stream skips it on PostgreSQL (pg-messages.ts), and so does the file.
        const kept = rows.slice(i, j).filter((r) => r.kind !== 'ed' || r.content !== null);
        await out.file.write(kept.map((r) => encodeHistory(toRecord(r))).join(''));
        i = j;
      }
      done += rows.length;
      progress.onProgress?.(done, total);
    }
    await finish();
  } finally {
    await out?.file.close().catch(() => undefined);
  }
  await client.query('CLOSE papo_export_events');
  await nodeDisk.syncFolder(files.histories);
  return done;
}

function toRecord(r: EventRow): HistoryRecord {
  const seq = Number(r.seq);
  const at = r.at.toISOString();
  const messageSeq = Number(r.message_seq);
  switch (r.kind) {
    case 'msg': {
      const record: HistoryRecord = {
        kind: 'msg',
        seq,
        sentAt: at,
        from: r.sender ?? '',
        to: r.recipient ?? '',
        content: decodeContent(r.m_content ?? ''),
        clientId: r.client_id ?? undefined,
      };
      if (r.attachments !== null) {
        const attachments = decodeAttachments(JSON.stringify(r.attachments));
        if (attachments === undefined) throw new Error(`message ${seq}'s attachments column is damaged; nothing was written`);
        if (attachments.length > 0) record.attachments = attachments;
      }
      if (r.reply_to !== null) record.replyTo = Number(r.reply_to);
      if (r.withheld === true) record.withheld = true;
      return record;
    }
    case 'st':
      return { kind: 'st', seq, at, messageSeq, status: r.status ?? 'delivered', peer: r.peer };
    case 'rd':
      return { kind: 'rd', seq, at, peer: r.peer, upTo: messageSeq };
    case 'ed':
      return { kind: 'ed', seq, at, messageSeq, content: decodeContent(r.content ?? '') };
    case 'del':
    case 'hd':
      return { kind: r.kind, seq, at, messageSeq };
    default:
      // A kind added since this tool was written: refused rather than dropped without a word.
      throw new Error(`the database holds events of kind ${JSON.stringify(r.kind)}, which export-data does not know; nothing was written`);
  }
}
