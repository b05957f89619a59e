/**
 * The floor (issue #4): the exchanges the load generator has with Papo's send and poll, answered by Node's own
 * `http` with the least work that still answers them the way Papo does. It is a yardstick, not a server: it
 * says what the protocol (a send, a poll answer, the next poll) costs on this machine before Papo does anything
 * of its own, so Papo's figures can be read against what is possible here, on the same day, with the same load
 * generator. The machines these figures come from differ by up to 2.5x from one day to the next.
 *
 * What it does not do, on purpose: no session check (the cookie header is looked up as it comes, in a map the
 * benchmark writes), no validation, no history, no receipts, no security headers (FLOOR_HEADERS=papo adds
 * Papo's), and with FLOOR_DURABLE=0 no disk at all. With FLOOR_DURABLE=1 (the default) a send is answered
 * only after a group commit has written and fdatasynced it, and the recipient's poll is woken after that, as
 * Papo does.
 *
 * FLOOR_RECEIPTS=1 adds the second durable write every delivered message costs Papo (issue #20): a poll with a
 * cursor writes a "delivered" line for the messages it acknowledges through the same group commit, and goes on
 * (answers or is held) once that is synced, as Papo's acknowledgement does. Still no history, sessions,
 * validation or status events: the floor of a server that keeps its receipts.
 *
 * FLOOR_WORK=papo (durable, with receipts) journals Papo's records instead of one JSON line a message, and
 * keeps them in Papo's files: the queue line and both history lines a send, the flag and a status line an
 * acknowledgement, and per-user history files synced at a checkpoint (floor-records.ts); floor-http.ts then
 * reads the session cookie as Papo's fast path does (parses the header and looks the value up). What a
 * server that keeps Papo's promises on text files cannot avoid, for issue #20's "no Node server doing this
 * work can".
 *
 * The same floor on PostgreSQL is floor-postgres.ts; the HTTP both answer with is floor-http.ts.
 *
 * Environment: floor-http.ts's (HOST, PORT, DATA_DIR, FLOOR_HEADERS, FLOOR_WORK), FLOOR_DURABLE (1 or 0),
 * FLOOR_RECEIPTS (0 or 1; needs FLOOR_DURABLE=1).
 */
import { closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Message, PollResponse, StreamEvent } from '../../api/contract.js';
import { answer, floorDataDir, MAX_EVENTS, papoWork, readPoll, readSend, serveFloor } from './floor-http.js';
import { FloorRecords } from './floor-records.js';

const durable = papoWork || process.env.FLOOR_DURABLE !== '0';
const receipts = papoWork || (durable && process.env.FLOOR_RECEIPTS === '1');

/** A user's stream: events not yet acknowledged, and the polls waiting for one. */
interface Stream {
  events: { seq: number; event: StreamEvent }[];
  held: Set<HeldPoll>;
}
interface HeldPoll {
  res: ServerResponse;
  after: number;
  timer: NodeJS.Timeout;
}

const streams = new Map<string, Stream>();
let seq = 0;
let heldCount = 0;
const records = papoWork ? new FloorRecords(floorDataDir(), () => ++seq) : undefined;

function streamOf(user: string): Stream {
  let s = streams.get(user);
  if (!s) streams.set(user, (s = { events: [], held: new Set() }));
  return s;
}

function pageAfter(s: Stream, after: number): PollResponse | undefined {
  const events = s.events.filter((e) => e.seq > after).slice(0, MAX_EVENTS);
  const last = events.at(-1);
  return last === undefined ? undefined : { events: events.map((e) => e.event), cursor: String(last.seq) };
}

function release(s: Stream, poll: HeldPoll): boolean {
  if (!s.held.delete(poll)) return false;
  clearTimeout(poll.timer);
  heldCount--;
  return true;
}

function wake(user: string): void {
  const s = streamOf(user);
  for (const poll of [...s.held]) {
    const page = pageAfter(s, poll.after);
    if (page && release(s, poll)) answer(poll.res, 200, page);
  }
}

function poll(user: string, url: URL, res: ServerResponse): void {
  const s = streamOf(user);
  const query = readPoll(url, res);
  if (query === undefined) return;
  const { after, waitMs } = query;
  // Passing a cursor acknowledges what it covers, as in Papo: those events leave the stream.
  if (query.acknowledges) {
    const acknowledged = s.events.filter((e) => e.seq <= after);
    s.events = s.events.filter((e) => e.seq > after);
    if (receipts && acknowledged.length > 0) {
      const seqs = acknowledged.map((e) => e.seq);
      const line = records ? records.acknowledge(user, seqs) : `${JSON.stringify({ delivered: seqs, to: user })}\n`;
      return commit(line, () => answerOrHold(s, after, waitMs, res));
    }
  }
  answerOrHold(s, after, waitMs, res);
}

function answerOrHold(s: Stream, after: number, waitMs: number, res: ServerResponse): void {
  // Gone while its receipt was synced: nothing to answer or hold.
  if (res.destroyed) return;
  const page = pageAfter(s, after);
  if (page) return answer(res, 200, page);
  const held: HeldPoll = {
    res,
    after,
    timer: setTimeout(() => {
      if (release(s, held)) answer(res, 200, { events: [], cursor: String(after) });
    }, waitMs),
  };
  s.held.add(held);
  heldCount++;
  res.on('close', () => release(s, held));
}

/** Group commit: the sends that arrive while a batch is being synced go together in the next batch. */
const journal = durable ? openSync(path.join(floorDataDir(), 'floor-journal.txt'), 'a') : undefined;
let pending: { line: string; done: () => void }[] = [];
let syncing = false;

function commit(line: string, done: () => void): void {
  if (journal === undefined) return done();
  pending.push({ line, done });
  if (!syncing) flush(journal);
}

function flush(fd: number): void {
  const batch = pending;
  pending = [];
  syncing = true;
  writeSync(fd, batch.map((b) => b.line).join(''));
  fdatasync(fd, (err) => {
    if (err) throw err;
    for (const b of batch) b.done();
    records?.batchSynced();
    if (pending.length > 0) flush(fd);
    else syncing = false;
  });
}

function send(from: string, req: IncomingMessage, res: ServerResponse): void {
  readSend(req, res, (to, content) => {
    const message: Message = {
      id: String(++seq),
      from,
      to,
      content,
      sentAt: new Date().toISOString(),
      status: 'sent',
    };
    const line = records
      ? records.send({ seq: Number(message.id), from, to, content, sentAt: message.sentAt })
      : `${JSON.stringify(message)}\n`;
    commit(line, () => {
      streamOf(to).events.push({ seq: Number(message.id), event: { type: 'message', message } });
      answer(res, 201, { message });
      wake(to);
    });
  });
}

serveFloor({
  send,
  poll,
  heldPolls: () => heldCount,
  releaseAll() {
    for (const s of streams.values())
      for (const p of [...s.held]) if (release(s, p)) answer(p.res, 200, { events: [], cursor: String(p.after) });
  },
  close() {
    if (journal !== undefined) closeSync(journal);
    records?.close();
  },
});
