/**
 * Torn and damaged files (issue #6): cut each data file at every byte offset inside its last records, or append
 * garbage or zeros, and the store always opens, drops only the torn tail (and logs how many bytes), and never
 * misreads a record. Damage in the middle of a file is reported with the file and the line.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanRecords } from '../../api/store/text/line-file.js';
import { decodeHistory, decodeUser } from '../../api/store/text/records.js';
import { tempDir } from '../support/server.js';
import { HASH, lineStarts, openStore, putSession, restore, snapshot, type LogLine } from './support/store.js';

const LONG = Boolean(process.env.PAPO_LONG);
/** How many of the last records of each file are cut at every byte. */
const LAST_RECORDS = LONG ? 3 : 1;
/** Each cut is a restart of the store: the long run makes hundreds of them per file. */
const CUT_TIMEOUT = LONG ? 900_000 : 60_000;

const USERS = ['alice', 'bruno', 'carla', 'dora'];
const DATA_FILES = [
  'usuarios.txt',
  'mensagens.txt',
  'historico/history_alice.txt',
  'historico/history_bruno.txt',
  'sessions.txt',
  'perfis.txt',
  'push-subscriptions.txt',
];
/** Files whose last line is not also in the journal: a torn one is gone, not re-applied. */
const NOT_JOURNALED = new Set(['sessions.txt', 'usuarios.txt', 'perfis.txt', 'push-subscriptions.txt']);
const TORN = 'dropped a torn tail (an unfinished write)';
const DAMAGED = 'damaged record skipped';

let dir: string;
let baseline: Map<string, Buffer>;

/** A folder with accounts, sessions, delivered and undelivered messages, read marks; the last write a send. */
async function build(): Promise<void> {
  const { store } = await openStore(dir);
  for (const username of USERS) await store.users.create({ username, passwordHash: HASH });
  for (const [i, u] of USERS.entries()) await putSession(store, `sid-${i}`, u);
  // Profiles (issue #19): settings (fsynced) and last-seen times (batched).
  await store.profiles.update('alice', { displayName: 'Alice; “a name” \\ 😀', lastSeenVisibility: 'nobody' });
  await store.profiles.update('bruno', { displayName: 'Bruno 🌻' });
  await store.profiles.recordLastSeen(new Map(USERS.map((u, i) => [u, 1_765_000_000_000 + i])));
  // Web Push subscriptions (issue #17): each fdatasynced before it is acknowledged.
  for (const [i, u] of USERS.entries()) {
    await store.push.save(
      {
        sessionKey: `${i}`.repeat(64),
        username: u,
        endpoint: `https://fcm.googleapis.com/fcm/send/device-${i};x`,
        p256dh: `B${'A'.repeat(86)}`,
        auth: 'Q'.repeat(22),
        createdAt: '2026-12-07T06:00:00.000Z',
      },
      20,
    );
  }
  const m = store.messages;
  const first = await m.append({ from: 'alice', to: 'bruno', content: 'olá; tudo bem?\nlinha 2 \\ 😀', clientId: 'c-1' });
  await m.append({ from: 'bruno', to: 'alice', content: 'שלום\u2028مرحبا' });
  await m.acknowledge('bruno', first.message.seq);
  await m.markRead('bruno', 'alice', first.message.seq);
  for (let i = 0; i < 4; i++) await m.append({ from: 'carla', to: 'dora', content: `queued ${i};x` });
  // The last batch, still in the journal: the torn copy of it in a data file must come back whole.
  await m.append({ from: 'alice', to: 'bruno', content: 'the last one; committed', clientId: 'c-last' });
  await store.close();
  // Once more, so the baseline is what a clean start leaves (the queue compacted).
  await (await openStore(dir)).store.close();
}

/** Opens the folder as a restart would, loads every history, closes; returns the log and the files after. */
async function restart(): Promise<{ logs: LogLine[]; after: Map<string, Buffer> }> {
  const { store, logs } = await openStore(dir);
  for (const u of USERS) await store.history(u);
  await store.close();
  return { logs, after: await snapshot(dir) };
}

function bytes(files: Map<string, Buffer>, rel: string): Buffer {
  const b = files.get(rel);
  if (!b) throw new Error(`no ${rel} in the folder`);
  return b;
}

/**
 * usuarios.txt without the lock records a start appended (issue #15: an account line cut off keeps its name
 * reserved); each must be for an account whose line was in the part cut off.
 */
function withoutLockRecords(file: Buffer, cutOff: Buffer): Buffer {
  const lines = file.toString('utf8').split('\n');
  while (lines.length > 1) {
    const last = decodeUser(lines.at(-2) ?? '');
    if (!last.ok || last.value.passwordHash !== '!locked') break;
    expect(cutOff.toString('utf8')).toContain(`${last.value.username};$2`);
    lines.splice(-2, 1);
  }
  return Buffer.from(lines.join('\n'));
}

const logsAbout = (logs: LogLine[], msg: string, rel: string) =>
  logs.filter((l) => l.msg === msg && String(l.file).endsWith(path.sep + rel));

beforeAll(async () => {
  dir = await tempDir('papo-torn-');
  await build();
  baseline = await snapshot(dir);
});

afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('a data file cut at every byte of its last records', () => {
  it.each(DATA_FILES)(
    'when %s is cut anywhere, then the store opens, drops only the torn tail, logs its size, and misreads nothing',
    async (rel) => {
      const original = bytes(baseline, rel);
      const starts = lineStarts(original);
      const from = starts[Math.max(0, starts.length - 1 - LAST_RECORDS)] ?? 0;
      let cuts = 0;
      for (let cut = from; cut < original.length; cut++) {
        await restore(dir, baseline);
        await fsp.truncate(path.join(dir, rel), cut);
        const { logs, after } = await restart();
        cuts++;

        const boundary = Math.max(...starts.filter((s) => s <= cut));
        const now = rel === 'usuarios.txt' ? withoutLockRecords(bytes(after, rel), original.subarray(boundary)) : bytes(after, rel);
        // Only whole lines of the original, at least every one before the cut: nothing misread, nothing extra.
        expect(now.length).toBeGreaterThanOrEqual(boundary);
        expect(original.subarray(0, now.length).equals(now)).toBe(true);
        expect(starts).toContain(now.length);
        if (!NOT_JOURNALED.has(rel)) {
          // The last send is in the journal: the queue line and both history lines are re-applied whole.
          expect(now.equals(original)).toBe(true);
        }
        const torn = logsAbout(logs, TORN, rel);
        if (cut > boundary) expect(torn.map((l) => l.droppedBytes)).toEqual([cut - boundary]);
        else expect(torn).toEqual([]);
        expect(logs.filter((l) => l.msg === DAMAGED)).toEqual([]);
        for (const [other, b] of baseline)
          if (other !== rel && other !== 'journal.txt') expect(bytes(after, other).equals(b), other).toBe(true);
      }
      expect(cuts).toBeGreaterThan(20);
    },
    CUT_TIMEOUT,
  );

  it(
    'when the journal is cut anywhere, then the batch counts as never committed and the data files are untouched',
    { timeout: CUT_TIMEOUT },
    async () => {
      const original = bytes(baseline, 'journal.txt');
      const starts = lineStarts(original);
      // Every byte of its last records (its last batch's lines); all of it in the long run.
      const from = LONG ? 0 : (starts[Math.max(0, starts.length - 4)] ?? 0);
      for (let cut = from; cut < original.length; cut++) {
        await restore(dir, baseline);
        await fsp.truncate(path.join(dir, 'journal.txt'), cut);
        const { logs, after } = await restart();
        for (const rel of DATA_FILES) expect(bytes(after, rel).equals(bytes(baseline, rel)), rel).toBe(true);
        expect(logs.filter((l) => l.level >= 50)).toEqual([]);
      }
    },
  );
});

describe('garbage or zeros after the last record', () => {
  const tails: [string, Buffer][] = [
    ['4 KiB of zeros (a power loss on a delayed allocation)', Buffer.alloc(4096)],
    ['random bytes with newlines', Buffer.from(Array.from({ length: 700 }, (_, i) => (i % 97 === 0 ? 0x0a : (i * 7919) % 256)))],
    ['half a record', Buffer.from('msg;99;2026-01-01T00:00:00.000Z;alice;bruno;half')],
    ['a record with a wrong checksum', Buffer.from('msg;99;2026-01-01T00:00:00.000Z;alice;bruno;forged;;00000000\n')],
  ];
  for (const rel of [...DATA_FILES, 'journal.txt']) {
    it.each(tails)(
      `when ${rel} ends with %s, then the store opens, drops exactly that, and reads the rest as it was`,
      async (_name, tail) => {
        await restore(dir, baseline);
        await fsp.appendFile(path.join(dir, rel), tail);
        const { logs, after } = await restart();
        for (const data of DATA_FILES) expect(bytes(after, data).equals(bytes(baseline, data)), data).toBe(true);
        if (rel !== 'journal.txt') expect(logsAbout(logs, TORN, rel).map((l) => l.droppedBytes)).toEqual([tail.length]);
        expect(logs.filter((l) => l.msg === DAMAGED)).toEqual([]);
      },
    );
  }
});

describe('damage in the middle of a file', () => {
  it.each(DATA_FILES)('when a byte of line 2 of %s changes, then the store opens and logs the file and line 2', async (rel) => {
    const original = bytes(baseline, rel);
    const starts = lineStarts(original);
    expect(starts.length).toBeGreaterThan(3);
    const damaged = Buffer.from(original);
    const at = Math.floor(((starts[1] ?? 0) + (starts[2] ?? 0)) / 2);
    damaged[at] = (damaged[at] ?? 0) ^ 0x01;
    await restore(dir, baseline);
    await fsp.writeFile(path.join(dir, rel), damaged);
    const { logs } = await restart();
    const reported = logsAbout(logs, DAMAGED, rel);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ line: 2, reason: expect.any(String) as string });
    expect(logsAbout(logs, TORN, rel)).toEqual([]);
  });
});

/**
 * Edits, deletes for everyone and deletes for me (issue #18): a history whose last record is an `ed`, `del` or
 * `hd` line, cut at every byte of it or followed by garbage. The store opens, drops only the torn tail, and
 * every message before it reads as the records left in the file say: its latest text, deleted, or hidden.
 */
describe('a history whose last record is an edit, a delete or a hide', () => {
  let changesDir: string;
  let changesBaseline: Map<string, Buffer>;
  const NOT_BEFORE = '2000-01-01T00:00:00.000Z';

  beforeAll(async () => {
    changesDir = await tempDir('papo-torn-changes-');
    const { store } = await openStore(changesDir);
    for (const username of ['eva', 'fabio']) await store.users.create({ username, passwordHash: HASH });
    const m = store.messages;
    const seqs: number[] = [];
    for (const content of ['primeira; ok', 'segunda \\ 😀', 'terceira\nlinha', 'quarta']) {
      seqs.push((await m.append({ from: 'eva', to: 'fabio', content })).message.seq);
    }
    const [a, b, c, d] = seqs as [number, number, number, number];
    expect((await m.edit({ user: 'eva', seq: a, notBefore: NOT_BEFORE, content: 'editada; 🌻' })).kind).toBe('done');
    expect((await m.hide('fabio', c)).kind).toBe('done');
    expect((await m.deleteForEveryone({ user: 'eva', seq: b, notBefore: NOT_BEFORE })).kind).toBe('done');
    // The last records: eva's history ends with an edit, fabio's with a hide.
    expect((await m.edit({ user: 'eva', seq: d, notBefore: NOT_BEFORE, content: 'quarta, editada' })).kind).toBe('done');
    expect((await m.hide('fabio', d)).kind).toBe('done');
    await store.close();
    await (await openStore(changesDir)).store.close();
    changesBaseline = await snapshot(changesDir);
  });

  afterAll(async () => {
    await fsp.rm(changesDir, { recursive: true, force: true });
  });

  /** What each message of `user` should read as, from the records a history file holds. */
  function expected(file: Buffer): Map<number, { content: string; deleted: boolean } | 'hidden'> {
    const records = scanRecords('history', file, decodeHistory).records.map((r) => r.value);
    const out = new Map<number, { content: string; deleted: boolean } | 'hidden'>();
    for (const r of records) if (r.kind === 'msg') out.set(r.seq, { content: r.content, deleted: false });
    for (const r of records) {
      const m = out.get(r.kind === 'msg' ? -1 : 'messageSeq' in r ? r.messageSeq : -1);
      if (!m || m === 'hidden') continue;
      if (r.kind === 'ed') m.content = r.content;
      if (r.kind === 'del') m.deleted = true;
      if (r.kind === 'hd') out.set(r.messageSeq, 'hidden');
    }
    return out;
  }

  async function restartAndRead(user: string): Promise<{ logs: LogLine[]; after: Map<string, Buffer>; read: Map<number, unknown> }> {
    const { store, logs } = await openStore(changesDir);
    const read = new Map<number, unknown>();
    for (const seq of expected(bytes(changesBaseline, `historico/history_${user}.txt`)).keys()) {
      const m = await store.messages.find(user, seq);
      read.set(seq, m === undefined ? 'hidden' : { content: m.deleted ? '' : m.content, deleted: m.deleted === true });
    }
    await store.close();
    return { logs, after: await snapshot(changesDir), read };
  }

  const cases: [string, string, 'ed' | 'del' | 'hd'][] = [
    ['eva', 'historico/history_eva.txt', 'ed'],
    ['fabio', 'historico/history_fabio.txt', 'hd'],
  ];

  it.each(cases)(
    "when %s's history (%s) is cut at every byte of its last three records, the last an %s, then it opens, drops only the torn tail, and each message reads as the file says",
    async (user, rel, lastKind) => {
      const original = bytes(changesBaseline, rel);
      const starts = lineStarts(original);
      const lines = original.toString('utf8').split('\n');
      expect(lines.at(-2)?.startsWith(`${lastKind};`)).toBe(true);
      // The last three records: an edit, a delete for everyone and a hide are among them in each file.
      const kinds = lines.slice(-4, -1).map((l) => l.split(';')[0]);
      expect(kinds).toEqual(expect.arrayContaining(user === 'eva' ? ['del', 'ed'] : ['del', 'hd']));
      const from = starts[Math.max(0, starts.length - 4)] ?? 0;
      let cuts = 0;
      for (let cut = from; cut < original.length; cut++) {
        await restore(changesDir, changesBaseline);
        await fsp.truncate(path.join(changesDir, rel), cut);
        const { logs, after, read } = await restartAndRead(user);
        cuts++;
        const boundary = Math.max(...starts.filter((s) => s <= cut));
        const now = bytes(after, rel);
        expect(now.length).toBeGreaterThanOrEqual(boundary);
        expect(original.subarray(0, now.length).equals(now)).toBe(true);
        expect(starts).toContain(now.length);
        const torn = logsAbout(logs, TORN, rel);
        if (cut > boundary) expect(torn.map((l) => l.droppedBytes)).toEqual([cut - boundary]);
        else expect(torn).toEqual([]);
        expect(logs.filter((l) => l.msg === DAMAGED)).toEqual([]);
        // The messages before the cut: each with its latest text, deleted or hidden, as the records left say.
        const want = expected(now);
        expect(want.size).toBe(4);
        for (const [seq, state] of want)
          expect(read.get(seq), `message ${seq} after a cut at ${cut}`).toEqual(
            state === 'hidden' || !state.deleted ? state : { content: '', deleted: true },
          );
      }
      expect(cuts).toBeGreaterThan(20);
    },
    CUT_TIMEOUT,
  );

  const garbage: [string, Buffer][] = [
    ['4 KiB of zeros', Buffer.alloc(4096)],
    ['half an edit record', Buffer.from('ed;99;2026-01-01T00:00:00.000Z;1;meia')],
    ['a delete with a wrong checksum', Buffer.from('del;99;2026-01-01T00:00:00.000Z;1;00000000\n')],
  ];
  for (const [user, rel] of cases) {
    it.each(garbage)(
      `when ${rel} ends with %s, then the store opens, drops exactly that, and reads every message as before`,
      async (_name, tail) => {
        await restore(changesDir, changesBaseline);
        await fsp.appendFile(path.join(changesDir, rel), tail);
        const { logs, after, read } = await restartAndRead(user);
        expect(bytes(after, rel).equals(bytes(changesBaseline, rel))).toBe(true);
        expect(logsAbout(logs, TORN, rel).map((l) => l.droppedBytes)).toEqual([tail.length]);
        expect(logs.filter((l) => l.msg === DAMAGED)).toEqual([]);
        const want = expected(bytes(changesBaseline, rel));
        for (const [seq, state] of want)
          expect(read.get(seq)).toEqual(state === 'hidden' || !state.deleted ? state : { content: '', deleted: true });
      },
    );
  }
});
