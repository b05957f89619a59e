import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { isCanonicalUsername } from '../../names/username.js';

/**
 * The data folder's layout, in one place (issue #16): every name the text store, the migration tool, the
 * benchmark's seeder and the scripts use for a file or folder in it, the format marker papo-format.txt holds,
 * and how a data set's epoch is made. docs/storage.md describes what each file holds. A new file gets its name
 * here, beside the others, so the folder's full list is one read away.
 */

/** File and folder names, relative to the data folder. */
export const DATA_FILES = {
  /** `papo-data;<version>;<epoch>`: this folder is in Papo's format, and which data set it is. */
  format: 'papo-format.txt',
  /** Accounts: one line per user, and the lock records of damaged ones. */
  users: 'usuarios.txt',
  /** Messages and their delivered flag, until compaction drops the delivered ones. */
  queue: 'mensagens.txt',
  /** The two write-ahead journals, used in turn. */
  journals: ['journal.txt', 'journal-2.txt'],
  sessions: 'sessions.txt',
  sessionSecret: 'session-secret.txt',
  rateLimits: 'limites.txt',
  /** Display names, photos and last-seen settings. */
  profiles: 'perfis.txt',
  /** Who blocked whom (issue #17). */
  blocks: 'bloqueios.txt',
  /** The key of the opaque ids and cursors. */
  tokenKey: 'token-key.txt',
  /** The Web Push (VAPID) key pair (issue #17). */
  vapidKeys: 'vapid-keys.txt',
  /** The devices with notifications on, by session (issue #17). */
  pushSubscriptions: 'push-subscriptions.txt',
  /** One `history_<user>.txt` per user. */
  histories: 'historico',
  /** Attachments' records; their bytes in the folder beside it, one file per SHA-256. */
  attachments: 'anexos.txt',
  attachmentBytes: 'anexos',
  /** The folder's lock (flock), held by the running server; its pid inside, for people. */
  lock: 'papo.pid',
  /** The old system's files, copied before their one-time import. */
  legacyBackup: 'backup-legacy',
  /** In legacyBackup: the backup is whole; then, the import is over. */
  legacyBackedUp: 'COMPLETE',
  legacyImported: 'IMPORTED',
} as const;

/** Files only Papo writes: their presence alone says Papo has used the folder. */
export const PAPO_ONLY_FILES: readonly string[] = [
  ...DATA_FILES.journals,
  DATA_FILES.sessions,
  DATA_FILES.sessionSecret,
  DATA_FILES.rateLimits,
  DATA_FILES.profiles,
  DATA_FILES.blocks,
  DATA_FILES.tokenKey,
  DATA_FILES.vapidKeys,
  DATA_FILES.pushSubscriptions,
];

/** Suffix of a whole-file rewrite's copy before its rename (disk.ts writeDurably). */
export const TEMPORARY_SUFFIX = '.tmp';
/** The queue's compaction copy, before its rename. */
export const COMPACTION_COPY_SUFFIX = '.compact';
export const QUEUE_COMPACTION_COPY = `${DATA_FILES.queue}${COMPACTION_COPY_SUFFIX}`;

const FORMAT_MARKER = 'papo-data';
export const FORMAT_VERSION = '1';

/** papo-format.txt's content for the data set `epoch`. */
export function formatLine(epoch: string): string {
  return `${FORMAT_MARKER};${FORMAT_VERSION};${epoch}\n`;
}

/** The epoch papo-format.txt's `text` names, or undefined when it is not a format this server reads. */
export function parseFormatLine(text: string): string | undefined {
  const [name, version, epoch] = text.trim().split(';');
  return name === FORMAT_MARKER && version === FORMAT_VERSION && epoch ? epoch : undefined;
}

/** What this server reads, for an error that quotes a foreign papo-format.txt. */
export const FORMAT_READ = `${FORMAT_MARKER} version ${FORMAT_VERSION}`;

/** A new data set's identity: cursors carry it, so one from another data set is recognised (410). */
export function newEpoch(): string {
  return randomBytes(6).toString('hex');
}

/** The name of `username`'s history file inside historico/. */
export function historyFileName(username: string): string {
  return `history_${username}.txt`;
}

/** The user a historico/ file name belongs to, or undefined when it is no history file of a canonical name. */
export function historyOwner(fileName: string): string | undefined {
  const owner = /^history_(.+)\.txt$/.exec(fileName)?.[1];
  return owner !== undefined && isCanonicalUsername(owner) ? owner : undefined;
}

/** The absolute paths of one data folder's files. */
export function dataLayout(dataDir: string) {
  const dir = path.resolve(dataDir);
  const at = (name: string) => path.join(dir, name);
  return {
    dir,
    format: at(DATA_FILES.format),
    users: at(DATA_FILES.users),
    queue: at(DATA_FILES.queue),
    journals: [at(DATA_FILES.journals[0]), at(DATA_FILES.journals[1])] as const,
    sessions: at(DATA_FILES.sessions),
    sessionSecret: at(DATA_FILES.sessionSecret),
    rateLimits: at(DATA_FILES.rateLimits),
    profiles: at(DATA_FILES.profiles),
    blocks: at(DATA_FILES.blocks),
    tokenKey: at(DATA_FILES.tokenKey),
    vapidKeys: at(DATA_FILES.vapidKeys),
    pushSubscriptions: at(DATA_FILES.pushSubscriptions),
    histories: at(DATA_FILES.histories),
    attachments: at(DATA_FILES.attachments),
    attachmentBytes: at(DATA_FILES.attachmentBytes),
    lock: at(DATA_FILES.lock),
    legacyBackup: at(DATA_FILES.legacyBackup),
    history: (username: string) => path.join(dir, DATA_FILES.histories, historyFileName(username)),
  };
}

export type DataLayout = ReturnType<typeof dataLayout>;
