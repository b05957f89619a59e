/**
 * The records Papo's promises make a text store keep (issue #20's "no Node server doing this work can"), kept
 * the least costly way that still keeps them: what `FLOOR_WORK=papo` adds to the durable floor with receipts.
 *
 * - A send journals three lines in Papo's formats, each with its CRC-32: the queue line (mensagens.txt) and
 *   the message's line in the sender's and in the recipient's history (historico/history_<user>.txt).
 * - An acknowledgement journals, for each message it covers, the queue line's delivered flag and a
 *   "delivered" status line in the sender's history.
 * - The journal is what the group commit fdatasyncs before a 201 or a poll goes on. After each batch one write
 *   appends its queue lines to mensagens.txt and sets the flags in place (from the first flag in the file's
 *   last 64 KB to the end, as Papo's queue-file-tail.ts does); the history lines wait in memory for
 *   the checkpoint, which appends each user's to their file (kept open) and fdatasyncs it, two at a time, 5 s after
 *   the oldest unsynced line or once 50 ms pass without a batch: Papo's rule (api/store/text/group-commit.ts).
 *
 * Not done, on purpose: reading any of it back (no replay, no history index, no search words), starting the
 * journal afresh after a checkpoint, idempotency by clientId, blocks. The lines are Papo's own encoders'
 * (api/store/text/journal.ts, records.ts), so the formats have one definition.
 */
import { closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { appendHistory, appendQueued, encodeJournal, type WriteOp } from '../../api/store/text/journal.js';

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

/** A queued message's line in mensagens.txt: where its delivered flag is and its sender, for the acknowledgement. */
interface Queued {
  offset: number;
  from: string;
}

/** The end of mensagens.txt kept in memory, so that a flag near it goes out with the next append's write. */
const TAIL_BYTES = 64 * 1024;
const ONE = 0x31; // '1'

export class FloorRecords {
  private readonly queueFd: number;
  /** Bytes of mensagens.txt, with the lines not written yet. */
  private queueBytes = 0;
  private readonly queued = new Map<number, Queued>();
  /** The batch's queue lines, not written yet, and the flags it set. */
  private queueLines: string[] = [];
  private flags: number[] = [];
  /** The file's last bytes as written (`tailLength` of them, from file offset `tailStart`), in a buffer with room. */
  private tail = Buffer.alloc(4 * TAIL_BYTES);
  private tailStart = 0;
  private tailLength = 0;
  /** Per history file, the lines the next checkpoint appends. */
  private unsynced = new Map<string, string[]>();
  private oldestUnsynced = 0;
  private readonly historyFds = new Map<string, number>();
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
    const queued = appendQueued({ ...m, delivered: false, clientId: undefined });
    const sent = appendHistory(m.from, { kind: 'msg', ...m, clientId: undefined });
    const received = appendHistory(m.to, { kind: 'msg', ...m, clientId: undefined }, sent.line);
    this.queue(m.seq, m.from, queued.line, queued.queued?.flagOffset ?? 0);
    this.keep(m.from, sent.line);
    this.keep(m.to, received.line);
    return encodeJournal([queued, sent, received]);
  }

  /** The journal text of an acknowledgement by `user` of `seqs`: each one's flag and the sender's status line. */
  acknowledge(user: string, seqs: readonly number[]): string {
    const at = new Date().toISOString();
    const ops: WriteOp[] = [];
    for (const seq of seqs) {
      const q = this.queued.get(seq);
      if (q === undefined) continue;
      this.queued.delete(seq);
      this.flags.push(q.offset);
      const status = appendHistory(q.from, { kind: 'st', seq: this.nextSeq(), at, messageSeq: seq, status: 'delivered', peer: user });
      this.keep(q.from, status.line);
      ops.push({ kind: 'markDelivered', seq }, status);
    }
    return encodeJournal(ops);
  }

  /** After each synced batch: its queue lines and flags are written; the idle checkpoint's clock starts again. */
  batchSynced(): void {
    this.writeQueue();
    this.scheduleCheckpoint();
  }

  private scheduleCheckpoint(): void {
    if (this.unsynced.size === 0) return;
    clearTimeout(this.idleTimer);
    if (Date.now() - this.oldestUnsynced >= CHECKPOINT_MS) this.checkpoint();
    else this.idleTimer = setTimeout(() => this.checkpoint(), IDLE_CHECKPOINT_MS);
  }

  close(): void {
    clearTimeout(this.idleTimer);
    closeSync(this.queueFd);
    for (const fd of this.historyFds.values()) closeSync(fd);
  }

  private queue(seq: number, from: string, line: string, flagAt: number): void {
    this.queued.set(seq, { offset: this.queueBytes + flagAt, from });
    this.queueLines.push(line);
    this.queueBytes += Buffer.byteLength(line);
  }

  /** One write from the first changed byte of the tail to the end; a flag further back, one byte of its own. */
  private writeQueue(): void {
    const text = this.queueLines.join('');
    const bytes = Buffer.byteLength(text);
    if (this.tailLength + bytes > this.tail.length) this.makeRoom(bytes);
    const written = this.tailStart + this.tailLength;
    this.tail.write(text, this.tailLength);
    this.tailLength += bytes;
    let from = written;
    for (const at of this.flags) {
      if (at >= this.tailStart) {
        this.tail[at - this.tailStart] = ONE;
        from = Math.min(from, at);
      } else writeSync(this.queueFd, '1', at, 'latin1');
    }
    const end = this.tailStart + this.tailLength;
    if (from < end) writeSync(this.queueFd, this.tail, from - this.tailStart, end - from, from);
    this.queueLines = [];
    this.flags = [];
  }

  /** Keeps the tail's last TAIL_BYTES at the start of its buffer (a bigger buffer if `bytes` needs it). */
  private makeRoom(bytes: number): void {
    const keep = Math.min(this.tailLength, TAIL_BYTES);
    const dropped = this.tailLength - keep;
    const size = Math.max(this.tail.length, 2 * (keep + bytes));
    const next = size > this.tail.length ? Buffer.alloc(size) : this.tail;
    this.tail.copy(next, 0, dropped, this.tailLength);
    this.tail = next;
    this.tailStart += dropped;
    this.tailLength = keep;
  }

  private keep(user: string, line: string): void {
    if (this.unsynced.size === 0) this.oldestUnsynced = Date.now();
    const lines = this.unsynced.get(user);
    if (lines) lines.push(line);
    else this.unsynced.set(user, [line]);
  }

  /**
   * Each history file is opened once and kept open (Papo opens and closes them at each checkpoint), and two at
   * a time written to the page cache on the event loop and fdatasynced on libuv's threads: writing them all
   * at once would stop the event loop for as long as a thousand writes take.
   */
  private checkpoint(): void {
    if (this.checkpointing || this.unsynced.size === 0) return;
    this.checkpointing = true;
    const files = [...this.unsynced];
    this.unsynced = new Map();
    let running = 0;
    const next = (): void => {
      const entry = files.pop();
      if (entry === undefined) {
        if (running === 0) {
          this.checkpointing = false;
          this.scheduleCheckpoint();
        }
        return;
      }
      const [user, lines] = entry;
      let fd = this.historyFds.get(user);
      if (fd === undefined) this.historyFds.set(user, (fd = openSync(path.join(this.dataDir, 'historico', `history_${user}.txt`), 'a')));
      writeSync(fd, lines.join(''));
      running++;
      fdatasync(fd, (err) => {
        if (err) throw err;
        running--;
        next();
      });
    };
    for (let i = 0; i < FILES_AT_ONCE; i++) next();
  }
}
