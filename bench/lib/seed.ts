/**
 * Builds data folders for the benchmark directly in the text store's format, with the store's own encoders
 * (api/store/text/records.ts, session-records.ts). Creating a thousand accounts through the API would spend a
 * minute in bcrypt, and a million history lines through HTTP would take longer than the benchmark itself:
 * so the folder is written here, journal-free (nothing is running on it yet), and the server loads it as it
 * would load any folder it left behind. Every account shares one bcrypt hash of BENCH_PASSWORD, and every
 * session is written the way express-session would store it, signed with the secret the server is given.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { dataLayout, formatLine, newEpoch } from '../../api/store/text/data-layout.js';
import { encodeHistory, encodeQueue, encodeUser } from '../../api/store/text/records.js';
import { encodeSessionLine } from '../../api/store/text/session-records.js';
import { SESSION_COOKIE } from '../../api/http/session.js';
import { at } from './at.js';

export const BENCH_PASSWORD = 'bench-password';
export const SESSION_SECRET = 'bench-secret-0123456789abcdef-0123456789';
const DAY_MS = 24 * 60 * 60 * 1000;
/** The modes Papo gives its data (issue #15, item 10): a folder seeded looser would have the start tighten it, file by file, inside the time measured. */
const FILE_MODE = 0o600;
const FOLDER_MODE = 0o700;

/** One logged-in device: the cookie header the benchmark sends for it. */
export interface SeededUser {
  username: string;
  cookie: string;
}

let sharedHash: string | undefined;

export async function emptyDataDir(prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(process.env.BENCH_TMP ?? '/tmp', `papo-bench-${prefix}-`));
  await fsp.mkdir(dataLayout(dir).histories, { mode: FOLDER_MODE });
  // Written here so the server does not take the folder for an old-system one to import.
  await fsp.writeFile(dataLayout(dir).format, formatLine(newEpoch()), { mode: FILE_MODE });
  return dir;
}

/** express-session's cookie value: `s:<sid>.<HMAC-SHA256 in base64 without padding>` (cookie-signature). */
function signedCookie(sid: string): string {
  const signature = createHmac('sha256', SESSION_SECRET).update(sid).digest('base64').replace(/=+$/, '');
  return `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${signature}`)}`;
}

/** Writes usuarios.txt and sessions.txt with one account and one session per name. */
export async function seedUsers(dir: string, names: readonly string[]): Promise<SeededUser[]> {
  sharedHash ??= await bcrypt.hash(BENCH_PASSWORD, 10);
  const hash = sharedHash;
  const now = Date.now();
  const users: SeededUser[] = [];
  const userLines: string[] = [];
  const sessionLines: string[] = [];
  for (const username of names) {
    const sid = randomBytes(24).toString('base64url');
    const expires = now + 30 * DAY_MS;
    const data = {
      cookie: {
        originalMaxAge: 30 * DAY_MS,
        expires: new Date(expires).toISOString(),
        secure: false,
        httpOnly: true,
        path: '/',
        sameSite: 'lax',
      },
      username,
      loggedInAt: now,
    };
    userLines.push(encodeUser({ username, passwordHash: hash }));
    sessionLines.push(encodeSessionLine({ kind: 's', key: sessionKey(sid), expires, json: JSON.stringify(data) }));
    users.push({ username, cookie: signedCookie(sid) });
  }
  await fsp.appendFile(dataLayout(dir).users, userLines.join(''), { mode: FILE_MODE });
  await fsp.appendFile(dataLayout(dir).sessions, sessionLines.join(''), { mode: FILE_MODE });
  return users;
}

/** sessions.txt keys a session by the SHA-256 of its id (session-records.ts), never the id itself. */
function sessionKey(sid: string): string {
  return createHash('sha256').update(sid).digest('hex');
}

/** A buffered line writer: millions of lines go out in large writes, honouring back-pressure. */
class LineSink {
  private chunks: string[] = [];
  private bytes = 0;
  private constructor(private readonly out: WriteStream) {}
  static open(file: string): LineSink {
    return new LineSink(createWriteStream(file, { flags: 'a', mode: FILE_MODE }));
  }
  async write(line: string): Promise<void> {
    this.chunks.push(line);
    this.bytes += line.length;
    if (this.bytes >= 1 << 20) await this.flush();
  }
  private async flush(): Promise<void> {
    const data = this.chunks.join('');
    this.chunks = [];
    this.bytes = 0;
    if (!this.out.write(data)) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
  }
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z');
const CONTENT = 'a history line of ordinary length, as people write them; with a semicolon';

/**
 * A history of `lines` messages for `user`, alternating with `peers` (sent and received), all delivered.
 * The peers' own history files are left out: the page queries read only `user`'s file.
 */
export async function seedHistory(dir: string, user: string, peers: readonly string[], lines: number): Promise<void> {
  const sink = LineSink.open(dataLayout(dir).history(user));
  for (let seq = 1; seq <= lines; seq++) {
    const peer = at(peers, seq % peers.length);
    const mine = seq % 2 === 0;
    await sink.write(
      encodeHistory({
        kind: 'msg',
        seq,
        sentAt: new Date(BASE_TIME + seq * 1000).toISOString(),
        from: mine ? user : peer,
        to: mine ? peer : user,
        content: `${CONTENT} #${seq}`,
        clientId: undefined,
      }),
    );
  }
  await sink.close();
}

/**
 * `count` undelivered messages from `senders` to `recipients`: the queue lines in mensagens.txt and the same
 * message in both users' histories, as a send through the API leaves them.
 */
export async function seedQueue(dir: string, senders: readonly string[], recipients: readonly string[], count: number): Promise<void> {
  const queue = LineSink.open(dataLayout(dir).queue);
  const histories = new Map<string, LineSink>();
  const historyOf = (user: string) => {
    let sink = histories.get(user);
    if (!sink) {
      sink = LineSink.open(dataLayout(dir).history(user));
      histories.set(user, sink);
    }
    return sink;
  };
  for (let seq = 1; seq <= count; seq++) {
    const from = at(senders, seq % senders.length);
    const to = at(recipients, seq % recipients.length);
    const sentAt = new Date(BASE_TIME + seq).toISOString();
    const content = `${CONTENT} #${seq}`;
    await queue.write(encodeQueue({ seq, from, to, content, sentAt, delivered: false, clientId: undefined }).line);
    const line = encodeHistory({ kind: 'msg', seq, sentAt, from, to, content, clientId: undefined });
    await historyOf(from).write(line);
    await historyOf(to).write(line);
  }
  await queue.close();
  for (const sink of histories.values()) await sink.close();
}

export const names = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
