import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { foldUsername } from '../../names/username.js';
import { DATA_FILES, historyFileName } from './data-layout.js';
import { makeFolder, writeDurably, type Disk } from './disk.js';
import { encodeHistory, encodeQueue, encodeUser, type HistoryRecord } from './records.js';

/**
 * Converts a data folder left by the old Python system (test/fixtures/seed-data and its README) into the
 * current format, once, on the first start. The old files are copied to `backup-legacy/` first (`COMPLETE`
 * says the copy is whole); the import reads from that copy, so a crash half-way simply runs it again. Once
 * papo-format.txt is durable, `IMPORTED` says the import is over (issue #15): a folder that lost its
 * papo-format.txt long after must never be imported again, which would throw away everything since.
 *
 * What it keeps: every account (plain-text passwords become bcrypt hashes; names fold like new ones, so
 * `Carla` becomes `carla` and her history comes along), every message found in any history file or in the
 * queue (the same message in two files is one message), and the undelivered ones stay queued.
 */

export interface LegacyImportResult {
  users: number;
  messages: number;
  undelivered: number;
  warnings: string[];
}

interface LegacyMessage {
  at: Date;
  from: string;
  to: string;
  content: string;
  /** Order of first appearance, to keep the old order among equal timestamps. */
  order: number;
}

const BACKUP = DATA_FILES.legacyBackup;
const HISTORIES = DATA_FILES.histories;
/** Written once the backup is whole: from then on the import reads the backup, never the folder. */
const BACKED_UP = DATA_FILES.legacyBackedUp;
/** Written once papo-format.txt is durable: the import is over and must never run again (issue #15). */
const IMPORTED = DATA_FILES.legacyImported;
const BCRYPT = /^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/;
const HISTORY_LINE = /^\[(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\] (\S+) -> (\S+): (.*)$/;
const QUEUE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

type LegacyLine = Omit<LegacyMessage, 'order'>;

/** An old `usuarios.txt` line, `name;password`, or undefined when it is not one. */
export function parseLegacyUser(line: string): { username: string; secret: string } | undefined {
  const cut = line.indexOf(';');
  const name = foldUsername(cut < 0 ? line : line.slice(0, cut));
  const secret = cut < 0 ? '' : line.slice(cut + 1);
  return name.ok && secret !== '' ? { username: name.username, secret } : undefined;
}

/** An old `mensagens.txt` line, `sender;receiver;content;timestamp;delivered`, or undefined. */
export function parseLegacyQueue(line: string): { message: LegacyLine; flag: string | undefined } | undefined {
  const f = line.split(';');
  const at = f.length >= 5 ? localTime(QUEUE_TIME.exec(f.at(-2) ?? '')) : undefined;
  const from = foldUsername(f[0] ?? '');
  const to = foldUsername(f[1] ?? '');
  if (!at || !from.ok || !to.ok) return undefined;
  // The old server did not escape `;`: everything between the receiver and the timestamp is content.
  return { message: { at, from: from.username, to: to.username, content: f.slice(2, -2).join(';') }, flag: f.at(-1) };
}

/** An old history line, `[YYYY-MM-DD HH:MM:SS] from -> to: content`, or undefined. */
export function parseLegacyHistory(line: string): LegacyLine | undefined {
  const m = HISTORY_LINE.exec(line);
  const from = foldUsername(m?.[7] ?? '');
  const to = foldUsername(m?.[8] ?? '');
  const at = localTime(m);
  if (!m || !at || !from.ok || !to.ok) return undefined;
  return { at, from: from.username, to: to.username, content: m[9] ?? '' };
}

/**
 * How far an import of this folder went: `none` (never started, or stopped before its backup was whole),
 * `backed-up` (the backup is whole; the folder's files may be half rewritten, and the import resumes from the
 * backup), `imported` (done: papo-format.txt was written, and the import must never run again).
 */
export async function legacyImportState(dir: string): Promise<'none' | 'backed-up' | 'imported'> {
  if (await exists(path.join(dir, BACKUP, IMPORTED))) return 'imported';
  return (await exists(path.join(dir, BACKUP, BACKED_UP))) ? 'backed-up' : 'none';
}

/** Records that the import is over; called once papo-format.txt is durable. */
export async function markLegacyImported(disk: Disk, dir: string): Promise<void> {
  await writeDurably(disk, path.join(dir, BACKUP, IMPORTED), `imported into Papo's format ${new Date().toISOString()}\n`);
}

export async function importLegacyFolder(
  dir: string,
  hashPassword: (plain: string) => Promise<string>,
  disk: Disk,
): Promise<LegacyImportResult> {
  const backup = path.join(dir, BACKUP);
  await backUp(disk, dir, backup);
  const warnings: string[] = [];
  const read = (rel: string) => fsp.readFile(path.join(backup, rel), 'utf8').catch(() => '');

  const users = new Map<string, string>();
  for (const [i, line] of lines(await read(DATA_FILES.users))) {
    const user = parseLegacyUser(line);
    if (!user) warnings.push(`usuarios.txt line ${i}: skipped (bad name or no password)`);
    else if (users.has(user.username)) warnings.push(`usuarios.txt line ${i}: ${user.username} already defined, skipped`);
    else users.set(user.username, BCRYPT.test(user.secret) ? user.secret : await hashPassword(user.secret));
  }

  const sources: { name: string; messages: LegacyLine[] }[] = [];
  const queued: { key: string; delivered: boolean }[] = [];
  const queueMessages: LegacyLine[] = [];
  for (const [i, line] of lines(await read(DATA_FILES.queue))) {
    const parsed = parseLegacyQueue(line);
    if (!parsed) {
      warnings.push(`mensagens.txt line ${i}: not a message, skipped`);
      continue;
    }
    const m = parsed.message;
    const flag = parsed.flag?.trim().toLowerCase();
    if (flag !== 'true' && flag !== '1' && flag !== 'false' && flag !== '0') {
      warnings.push(`mensagens.txt line ${i}: delivered flag ${JSON.stringify(parsed.flag)} unknown, kept as undelivered`);
    }
    queueMessages.push(m);
    queued.push({ key: keyOf(m), delivered: flag === 'true' || flag === '1' });
  }
  sources.push({ name: DATA_FILES.queue, messages: queueMessages });

  for (const file of (await fsp.readdir(path.join(backup, HISTORIES)).catch(() => [] as string[])).sort()) {
    const messages: LegacyLine[] = [];
    for (const [i, line] of lines(await read(path.join(HISTORIES, file)))) {
      const m = parseLegacyHistory(line);
      if (!m) warnings.push(`${HISTORIES}/${file} line ${i}: not a message, left in ${BACKUP}/ only`);
      else messages.push(m);
    }
    sources.push({ name: file, messages });
  }

  const all = mergeSources(sources);
  const undeliveredKeys = new Map<string, number>();
  for (const q of queued) if (!q.delivered) undeliveredKeys.set(q.key, (undeliveredKeys.get(q.key) ?? 0) + 1);

  const histories = new Map<string, string[]>();
  const queueLines: string[] = [];
  // Delivery is a prefix per recipient (docs/storage.md): after a recipient's first undelivered message,
  // the later ones to them are queued again too. At worst a message is shown twice, never lost.
  const pendingFor = new Set<string>();
  all.forEach((m, i) => {
    const seq = i + 1;
    const sentAt = m.at.toISOString();
    const key = keyOf(m);
    const left = undeliveredKeys.get(key) ?? 0;
    if (left > 0) {
      undeliveredKeys.set(key, left - 1);
      pendingFor.add(m.to);
    }
    if (pendingFor.has(m.to)) {
      queueLines.push(encodeQueue({ seq, from: m.from, to: m.to, content: m.content, sentAt, delivered: false, clientId: undefined }).line);
    }
    const record: HistoryRecord = { kind: 'msg', seq, sentAt, from: m.from, to: m.to, content: m.content, clientId: undefined };
    for (const owner of new Set([m.from, m.to])) {
      const list = histories.get(owner) ?? [];
      list.push(encodeHistory(record));
      histories.set(owner, list);
    }
  });

  await removeFiles(disk, path.join(dir, HISTORIES));
  await makeFolder(disk, path.join(dir, HISTORIES));
  for (const [owner, list] of histories) await writeDurably(disk, path.join(dir, HISTORIES, historyFileName(owner)), list.join(''));
  await writeDurably(disk, path.join(dir, DATA_FILES.queue), queueLines.join(''));
  await writeDurably(
    disk,
    path.join(dir, DATA_FILES.users),
    [...users].map(([username, passwordHash]) => encodeUser({ username, passwordHash })).join(''),
  );
  return { users: users.size, messages: all.length, undelivered: queueLines.length, warnings };
}

function mergeSources(sources: { messages: LegacyLine[] }[]): LegacyMessage[] {
  // The same message stands in the sender's history, the recipient's and maybe the queue: per key, keep as
  // many copies as the one file that has the most (a message really sent twice appears twice in each).
  const merged = new Map<string, LegacyMessage[]>();
  let order = 0;
  for (const source of sources) {
    const seen = new Map<string, number>();
    for (const m of source.messages) {
      const key = keyOf(m);
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const list = merged.get(key) ?? [];
      if (list.length < n) list.push({ ...m, order: order++ });
      merged.set(key, list);
    }
  }
  return [...merged.values()].flat().sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
}

const keyOf = (m: { at: Date; from: string; to: string; content: string }): string =>
  `${m.at.getTime()}\u0000${m.from}\u0000${m.to}\u0000${m.content}`;

/** The old timestamps are local time without a zone: read them in the server's zone (TZ). */
function localTime(m: RegExpExecArray | null): Date | undefined {
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const at = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

function* lines(text: string): Generator<[number, string]> {
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const line = (all[i] ?? '').replace(/\r$/, '');
    if (line.trim() !== '') yield [i + 1, line];
  }
}

async function backUp(disk: Disk, dir: string, backup: string): Promise<void> {
  const done = path.join(backup, BACKED_UP);
  if (await exists(done)) return;
  await removeFiles(disk, path.join(backup, HISTORIES));
  await removeFiles(disk, backup);
  await makeFolder(disk, path.join(backup, HISTORIES));
  for (const name of [DATA_FILES.users, DATA_FILES.queue]) await copyFile(disk, path.join(dir, name), path.join(backup, name));
  for (const name of await fsp.readdir(path.join(dir, HISTORIES)).catch(() => [] as string[])) {
    await copyFile(disk, path.join(dir, HISTORIES, name), path.join(backup, HISTORIES, name));
  }
  // COMPLETE says the copies can be trusted: they and their names are on the disk before it is (issue #15).
  await disk.syncFolder(path.join(backup, HISTORIES));
  await writeDurably(disk, done, `backup of the old system's files, taken ${new Date().toISOString()}\n`);
}

function exists(file: string): Promise<boolean> {
  return fsp.stat(file).then(
    () => true,
    () => false,
  );
}

/** Copies a file and fdatasyncs the copy (nothing when there is none to copy). */
async function copyFile(disk: Disk, from: string, to: string): Promise<void> {
  const content = await fsp.readFile(from).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (content === undefined) return;
  const handle = await disk.open(to, 'w');
  try {
    await handle.write(content, 0, content.length, 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Removes the files of a folder (the old system's folders hold files only). */
async function removeFiles(disk: Disk, folder: string): Promise<void> {
  const entries = await fsp.readdir(folder, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (!entry.isDirectory()) await disk.unlink(path.join(folder, entry.name));
}
