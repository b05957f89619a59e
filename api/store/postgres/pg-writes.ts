import type { AcknowledgeOutcome, NewMessage, Seq, StoredAppend } from '../store.js';
import { encodeAttachments } from '../message-attachments-json.js';
import { Batcher } from './batcher.js';
import { encodeContent } from './content.js';
import type { Db } from './db.js';
import { searchText } from './pg-message-rows.js';

/** A row of papo_send_batch: a refused item (`recipient_deleted`) has NULL in every other column. */
export type SendRow =
  | { o_outcome: 'recipient_deleted'; [column: string]: unknown }
  | {
      o_outcome: StoredAppend['kind'];
      o_seq: string;
      o_to: string;
      o_content: string;
      o_sent_at: Date;
      o_client_id: string | null;
      o_attachments: unknown;
      [column: string]: unknown;
    };

type Write = { kind: 'send'; message: NewMessage; at: Date } | { kind: 'ack'; user: string; upTo: Seq };
type Written = { kind: 'send'; row: SendRow } | { kind: 'ack'; outcome: AcknowledgeOutcome };

/** A row of papo_write_batch: a send's columns or an acknowledgement's, the other's NULL. */
type WriteRow = SendRow & { o_kind: 'send' | 'ack'; o_index: number; o_expired: boolean; o_senders: string[]; o_newer: boolean };

/**
 * This process's sends and acknowledgements, written together (migrations/023_write_batch.sql): while one
 * batch is in flight, both kinds wait and go in the next, one statement and one transaction. Each takes
 * papo_lock_seq through its commit, so a batch of each kind at once only queued one behind the other for the
 * lock and paid a WAL flush each; together they pay one (issue #20).
 */
export class PgWrites {
  private readonly batches = new Batcher<Write, Written>((items) => this.write(items), 200);

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  async send(message: NewMessage, at: Date): Promise<SendRow> {
    const written = await this.batches.submit({ kind: 'send', message, at });
    if (written.kind !== 'send') throw new Error('papo_write_batch answered a send with an acknowledgement');
    return written.row;
  }

  async acknowledge(user: string, upTo: Seq): Promise<AcknowledgeOutcome> {
    const written = await this.batches.submit({ kind: 'ack', user, upTo });
    if (written.kind !== 'ack') throw new Error('papo_write_batch answered an acknowledgement with a send');
    return written.outcome;
  }

  /** All the batch's items share its time: the last send's, or now. */
  private async write(items: Write[]): Promise<Written[]> {
    const sends: { index: number; message: NewMessage; at: Date }[] = [];
    const acks: { index: number; user: string; upTo: Seq }[] = [];
    items.forEach((item, index) => (item.kind === 'send' ? sends.push({ index, ...item }) : acks.push({ index, ...item })));
    const rows = await this.db.query<WriteRow>(
      'SELECT * FROM papo_write_batch($1, $2, $3, $4, $5::jsonb[], $6, $7, $8, $9, $10)',
      [
        sends.map((s) => s.message.from),
        sends.map((s) => s.message.to),
        sends.map((s) => encodeContent(s.message.content)),
        sends.map((s) => s.message.clientId ?? null),
        sends.map((s) => {
          const attachments = s.message.attachments;
          return attachments === undefined || attachments.length === 0 ? null : encodeAttachments(attachments);
        }),
        sends.at(-1)?.at ?? this.now(),
        sends.map((s) => s.message.replyTo ?? null),
        sends.map((s) => searchText(s.message.content)),
        acks.map((a) => a.user),
        acks.map((a) => a.upTo),
      ],
      'papo_write_batch',
    );
    const out: (Written | undefined)[] = new Array<Written | undefined>(items.length);
    for (const row of rows) {
      // o_index counts from 1 within its own half.
      const item = (row.o_kind === 'send' ? sends : acks)[row.o_index - 1];
      if (item === undefined) throw new Error(`papo_write_batch gave a row for no ${row.o_kind} (${row.o_index})`);
      out[item.index] = row.o_kind === 'send' ? { kind: 'send', row } : { kind: 'ack', outcome: acknowledged(row) };
    }
    return out.map((w, i) => {
      if (w === undefined) throw new Error(`papo_write_batch gave no row for item ${i + 1} of ${items.length}`);
      return w;
    });
  }
}

function acknowledged(row: WriteRow): AcknowledgeOutcome {
  if (row.o_expired) return { kind: 'not_handed_out' };
  return { kind: 'acknowledged', senders: row.o_senders, newer: row.o_newer };
}
