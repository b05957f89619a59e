/**
 * The floor on PostgreSQL (issue #20): what a Node `http` server doing only the least durable work on
 * PostgreSQL costs, run as two processes on one schema the way the postgres scenario runs Papo, so Papo's
 * send and wake there are read against it in the same run (beside the bare insert-and-commit of
 * lib/insert-floor.ts, which pays no HTTP exchange).
 *
 * A send is one statement in autocommit on a pool: it inserts the message row and NOTIFYs the recipient's
 * name (`WITH m AS (INSERT ... RETURNING ...) SELECT ..., pg_notify(...) FROM m`), and is answered 201 once
 * it has committed, as Papo's send is. A poll reads the recipient's rows above its cursor (one SELECT); with
 * none it is held, and the process's LISTEN connection wakes the held polls of the name a NOTIFY carries,
 * which then read again. The NOTIFY is sent at commit, so a poll is only woken for a durable row.
 *
 * It has fewer guarantees than Papo on purpose, so that it is a lower bound: no sessions (the cookie is
 * looked up in floor-users.json), no validation, no history or receipts (a cursor acknowledges nothing, it
 * only says where to read from), no per-recipient ordering across processes (Papo's ids are given in commit
 * order; here a row with a lower id may commit after a poll has read past it), and nothing to catch up
 * after a lost LISTEN connection (the process exits instead).
 *
 * Environment: floor-http.ts's (HOST, PORT, DATA_DIR, FLOOR_HEADERS), DATABASE_URL (its search_path names
 * the schema; the table is made there by the first process to start), PG_POOL_SIZE (10, Papo's default).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import type { Message, PollResponse } from '../../api/contract.js';
import { answer, MAX_EVENTS, readPoll, readSend, refuse, serveFloor } from './floor-http.js';

const CHANNEL = 'papo_floor';
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl === undefined) throw new Error('the PostgreSQL floor needs DATABASE_URL');
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.PG_POOL_SIZE ?? 10) });

// Both processes start at once: the advisory lock makes the second wait for the first's table, not race it.
await pool.query(`DO $$ BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('papo_floor'));
  CREATE TABLE IF NOT EXISTS floor_messages (
    id bigserial PRIMARY KEY,
    sender text NOT NULL,
    recipient text NOT NULL,
    content text NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX IF NOT EXISTS floor_messages_recipient ON floor_messages (recipient, id);
END $$`);

interface Row {
  id: string;
  sender: string;
  recipient: string;
  content: string;
  sent_at: Date;
}

const toMessage = (r: Row): Message => ({
  id: r.id,
  from: r.sender,
  to: r.recipient,
  content: r.content,
  sentAt: r.sent_at.toISOString(),
  status: 'sent',
});

function send(from: string, req: IncomingMessage, res: ServerResponse): void {
  readSend(req, res, (to, content) => {
    pool
      .query<Row>({
        name: 'floor-send',
        text: `WITH m AS (INSERT INTO floor_messages (sender, recipient, content) VALUES ($1, $2, $3) RETURNING *)
               SELECT m.*, pg_notify($4, m.recipient) FROM m`,
        values: [from, to, content, CHANNEL],
      })
      .then(
        ({ rows: [row] }) => {
          if (row === undefined) throw new Error('the insert gave no row');
          answer(res, 201, { message: toMessage(row) });
        },
        (err: unknown) => fail(res, err),
      );
  });
}

async function read(user: string, after: number): Promise<PollResponse | undefined> {
  const { rows } = await pool.query<Row>({
    name: 'floor-read',
    text: 'SELECT * FROM floor_messages WHERE recipient = $1 AND id > $2 ORDER BY id LIMIT $3',
    values: [user, after, MAX_EVENTS],
  });
  const last = rows.at(-1);
  return last === undefined ? undefined : { events: rows.map((r) => ({ type: 'message', message: toMessage(r) })), cursor: last.id };
}

/** A poll from its arrival to its answer; `again` is a wake that came while it was reading. */
interface HeldPoll {
  user: string;
  after: number;
  res: ServerResponse;
  timer: NodeJS.Timeout;
  reading: boolean;
  again: boolean;
}

const held = new Map<string, Set<HeldPoll>>();
let heldCount = 0;

function release(poll: HeldPoll): boolean {
  if (!held.get(poll.user)?.delete(poll)) return false;
  clearTimeout(poll.timer);
  heldCount--;
  return true;
}

/**
 * Reads the poll's rows and answers if there are any. A poll is held (and so wakeable) before its first read,
 * and a wake during a read makes it read once more: a NOTIFY that lands between the SELECT and the hold is
 * never lost.
 */
function check(poll: HeldPoll): void {
  if (!held.get(poll.user)?.has(poll)) return;
  if (poll.reading) return void (poll.again = true);
  poll.reading = true;
  read(poll.user, poll.after).then(
    (page) => {
      poll.reading = false;
      if (page) {
        if (release(poll)) answer(poll.res, 200, page);
      } else if (poll.again) {
        poll.again = false;
        check(poll);
      }
    },
    (err: unknown) => {
      poll.reading = false;
      if (release(poll)) fail(poll.res, err);
    },
  );
}

function poll(user: string, url: URL, res: ServerResponse): void {
  const query = readPoll(url, res);
  if (query === undefined) return;
  const { after, waitMs } = query;
  const p: HeldPoll = {
    user,
    after,
    res,
    reading: false,
    again: false,
    timer: setTimeout(() => {
      if (release(p)) answer(res, 200, { events: [], cursor: String(after) });
    }, waitMs),
  };
  let polls = held.get(user);
  if (!polls) held.set(user, (polls = new Set()));
  polls.add(p);
  heldCount++;
  res.on('close', () => release(p));
  check(p);
}

function fail(res: ServerResponse, err: unknown): void {
  console.error(err);
  if (!res.headersSent) refuse(res, 500, 'internal', 'Internal Server Error');
}

const listener = new pg.Client({ connectionString: databaseUrl });
await listener.connect();
listener.on('notification', (n) => {
  for (const p of held.get(n.payload ?? '') ?? []) check(p);
});
// A NOTIFY missed while the connection was down would leave a poll held to its timeout: stop loudly instead.
listener.on('error', (err) => {
  console.error(err);
  process.exit(1);
});
await listener.query(`LISTEN ${CHANNEL}`);

serveFloor({
  send,
  poll,
  // Polls being read count too: the benchmark only needs to know that every recipient's has arrived.
  heldPolls: () => heldCount,
  releaseAll() {
    for (const polls of held.values())
      for (const p of [...polls]) if (release(p)) answer(p.res, 200, { events: [], cursor: String(p.after) });
  },
  async close() {
    await listener.end();
    await pool.end();
  },
});
