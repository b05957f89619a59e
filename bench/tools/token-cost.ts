/**
 * `npm run bench:token-cost -- [answers] [runs]`: what opaque ids cost a poll answer (issue #15, item 7). For
 * answers of 1, 10 and 100 message events it times, in-process, turning the store's events into the JSON the
 * poll writes, two ways:
 *
 * - numbers: the store builds the wire message, its id the sequence number as a string (ids that are not opaque);
 * - tokens: the store builds its message with the sequence number, the domain the wire message with an AES
 *   block of it (api/messaging/message-ids.ts, as the poll does it), and the stream cursor.
 *
 * Each way starts from the records the store read and ends with the answer stringified, as
 * api/http/routes/messages.ts writes it. The
 * figure is the median over `runs` of the time per answer and per id; the difference is the price of tokens.
 * Not a scenario of `npm run bench`: a tool for the one question.
 */
import { randomBytes } from 'node:crypto';
import type { Message, PollResponse, StreamEvent } from '../../api/contract.js';
import { StreamCursors } from '../../api/messaging/cursor.js';
import { MessageIds } from '../../api/messaging/message-ids.js';
import { TokenCipher } from '../../api/messaging/token-cipher.js';
import type { StoredEvent, StoredMessage } from '../../api/store/store.js';
import { at } from '../lib/at.js';
import { commandLine, wholeNumber } from '../lib/cli.js';
import { median } from '../lib/stats.js';
import { TOOLS } from './catalog.js';

const { positionals } = commandLine(TOOLS['token-cost'], {}, 2);
const ANSWERS = wholeNumber(positionals[0], 'answers', 20_000);
const RUNS = wholeNumber(positionals[1], 'runs', 5);

const cipher = new TokenCipher(randomBytes(16));
const ids = new MessageIds(cipher, 0);
const cursors = new StreamCursors(cipher, 'a1b2c3d4e5f6');

/** A history record as the text store holds it (records.ts), from which both ways build the answer. */
interface Row {
  seq: number;
  from: string;
  to: string;
  content: string;
  sentAt: string;
  clientId: string | undefined;
}

function rows(count: number, first: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: first + i,
    from: `sender${i % 100}`,
    to: 'recipient7',
    content: `message ${first + i}, of an ordinary length for a chat`,
    sentAt: new Date(1_790_000_000_000 + i).toISOString(),
    clientId: `c-${first + i}`,
  }));
}

/** The store makes the wire message itself, its id the sequence number. */
function withNumbers(records: readonly Row[], last: number): string {
  const events = records.map((r): StreamEvent => {
    const message: Message = { id: String(r.seq), from: r.from, to: r.to, content: r.content, sentAt: r.sentAt, status: 'sent' };
    if (r.clientId !== undefined) message.clientId = r.clientId;
    return { type: 'message', message };
  });
  const body: PollResponse = { events, cursor: `a1b2c3d4e5f6-${last}` };
  return JSON.stringify(body);
}

/** The store makes a message with its sequence number, the domain the wire message with a token (as Papo does). */
function withTokens(records: readonly Row[], last: number): string {
  const stored = records.map((r): StoredEvent => {
    const message: StoredMessage = { seq: r.seq, from: r.from, to: r.to, content: r.content, sentAt: r.sentAt, status: 'sent' };
    if (r.clientId !== undefined) message.clientId = r.clientId;
    return { type: 'message', message };
  });
  const body: PollResponse = { events: ids.events(stored), cursor: cursors.encode(last) };
  return JSON.stringify(body);
}

function timePerAnswer(make: (records: readonly Row[], last: number) => string, size: number): number {
  const batches = Array.from({ length: 64 }, (_, i) => rows(size, 1 + i * size));
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let n = 0; n < ANSWERS; n++) {
    sink += make(at(batches, n % batches.length), n).length;
  }
  const ns = Number(process.hrtime.bigint() - started) / ANSWERS;
  if (sink === 0) throw new Error('nothing was made');
  return ns;
}

const us = (ns: number) => (ns / 1000).toFixed(2);

for (const size of [1, 10, 100]) {
  // Warm-up: the JIT settles before anything is timed.
  timePerAnswer(withNumbers, size);
  timePerAnswer(withTokens, size);
  const numbers: number[] = [];
  const tokens: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    numbers.push(timePerAnswer(withNumbers, size));
    tokens.push(timePerAnswer(withTokens, size));
  }
  const [a, b] = [median(numbers), median(tokens)];
  console.log(
    `${String(size).padStart(3)} events: numbers ${us(a)} us/answer, tokens ${us(b)} us/answer, ` +
      `+${us(b - a)} us (+${(((b - a) / a) * 100).toFixed(0)}%), ${((b - a) / size).toFixed(0)} ns per id`,
  );
}
