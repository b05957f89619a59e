/**
 * The records Papo's promises make a text store keep (issue #20's "no Node server doing this work can"), kept
 * the least costly way that still keeps them: what `FLOOR_WORK=papo` adds to the durable floor with receipts.
 *
 * - A send journals three lines in Papo's formats, each with its CRC-32: the queue line (mensagens.txt) and
 *   the message's line in the sender's and in the recipient's history (historico/history_<user>.txt).
 * - An acknowledgement journals, for each message it covers, the queue line's delivered flag and a
 *   "delivered" status line in the sender's history.
 * - The journal is what the group commit fdatasyncs before a 201 or a poll goes on. After each batch the queue
 *   lines are appended to mensagens.txt and the flags set in place there; the history lines wait in memory for
 *   the checkpoint, which appends each user's to their file and fdatasyncs it, two files at a time, 5 s after
 *   the oldest unsynced line or once 50 ms pass without a batch: Papo's rule (api/store/text/group-commit.ts).
 *
 * Not done, on purpose: reading any of it back (no replay, no history index, no search words), starting the
 * journal afresh after a checkpoint, idempotency by clientId, blocks. The formats are Papo's field codec
 * (api/store/text/codec.ts), not its record types: a send is three records and an acknowledgement two, as in
 * Papo, whatever each costs to build there.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { checksum, encodeRecord, escapeField } from '../../api/store/text/codec.js';

const CHECKPOINT_MS = 5000;
const IDLE_CHECKPOINT_MS = 50;
const FILES_AT_ONCE = 2;

export interface FloorMessage {
  seq: number;
  from: string;
  to: string;
  content: string;
  sentAt: string;
}

/** A queued message's line in mensagens.txt: where it starts and its sender, for the acknowledgement. */
interface Queued {
  offset: number;
  from: string;
}

export class FloorRecords {
  private readonly queueFd: number;
  private queueBytes = 0;
  private readonly queued = new Map<number, Queued>();
  /** Per history file, the lines the next checkpoint appends. */
  private unsynced = new Map<string, string[]>();
  private oldestUnsynced = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private checkpointing = false;
  /**
   * @param nextSeq the server's sequence, which status lines take a number from as Papo's do.
   */
  constructor(
    private readonly dataDir: string,
    private readonly nextSeq: () => number,
  ) {
    this.queueFd = openSync(path.join(dataDir, 'mensagens.txt'), 'w');
  }

  /** The journal text of a send: the queue line and both history lines. */
  send(m: FloorMessage): string {
    // The queue line as encodeRecord makes it, built here to know where its delivered flag (the fifth field) is.
    const beforeFlag = `${escapeField(m.from)};${escapeField(m.to)};${escapeField(m.content)};${m.sentAt};`;
    const body = `${beforeFlag}0;${m.seq};`;
    const queueLine = `${body};${checksum(body)}\n`;
    const historyLine = encodeRecord(['msg', String(m.seq), m.sentAt, m.from, m.to, m.content, '']);
    this.writeQueue(m.seq, m.from, queueLine, Buffer.byteLength(beforeFlag));
    this.keep(m.from, historyLine);
    this.keep(m.to, historyLine);
    return journal([`a;q;${queueLine}`, `a;h:${m.from};${historyLine}`, `a;h:${m.to};${historyLine}`]);
  }

  /** The journal text of an acknowledgement by `user` of `seqs`: each one's flag and the sender's status line. */
  acknowledge(user: string, seqs: readonly number[]): string {
    const at = new Date().toISOString();
    const lines: string[] = [];
    for (const seq of seqs) {
      const q = this.queued.get(seq);
      if (q === undefined) continue;
      this.queued.delete(seq);
      // The delivered flag is the fifth field: one byte rewritten in place, as Papo's queue does.
      writeSync(this.queueFd, '1', q.offset, 'latin1');
      const status = encodeRecord(['st', String(this.nextSeq()), at, String(seq), 'delivered', user]);
      this.keep(q.from, status);
      lines.push(`f;${seq}`, `a;h:${q.from};${status}`);
    }
    return journal(lines);
  }

  /** After each synced batch: the idle checkpoint's clock starts again, and a due one starts. */
  batchSynced(): void {
    if (this.unsynced.size === 0) return;
    clearTimeout(this.idleTimer);
    if (Date.now() - this.oldestUnsynced >= CHECKPOINT_MS) void this.checkpoint();
    else this.idleTimer = setTimeout(() => void this.checkpoint(), IDLE_CHECKPOINT_MS);
  }

  close(): void {
    clearTimeout(this.idleTimer);
    closeSync(this.queueFd);
  }

  private writeQueue(seq: number, from: string, line: string, flagAt: number): void {
    this.queued.set(seq, { offset: this.queueBytes + flagAt, from });
    this.queueBytes += writeSync(this.queueFd, line, this.queueBytes);
  }

  private keep(user: string, line: string): void {
    if (this.unsynced.size === 0) this.oldestUnsynced = Date.now();
    const lines = this.unsynced.get(user);
    if (lines) lines.push(line);
    else this.unsynced.set(user, [line]);
  }

  private async checkpoint(): Promise<void> {
    if (this.checkpointing || this.unsynced.size === 0) return;
    this.checkpointing = true;
    const files = [...this.unsynced];
    this.unsynced = new Map();
    const folder = path.join(this.dataDir, 'historico');
    await mkdir(folder, { recursive: true });
    const next = async (): Promise<void> => {
      for (let entry = files.pop(); entry !== undefined; entry = files.pop()) {
        const [user, lines] = entry;
        const handle = await open(path.join(folder, `history_${user}.txt`), 'a');
        try {
          await handle.write(lines.join(''));
          await handle.datasync();
        } finally {
          await handle.close();
        }
      }
    };
    await Promise.all(Array.from({ length: FILES_AT_ONCE }, next));
    this.checkpointing = false;
    this.batchSynced();
  }
}

function journal(lines: readonly string[]): string {
  // Each record line ends with its own LF already.
  const body = lines.map((l) => (l.endsWith('\n') ? l : `${l}\n`)).join('');
  return `${body}end;${lines.length};${checksum(body)}\n`;
}
