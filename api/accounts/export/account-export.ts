import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { Attachments } from '../../attachments/attachments.js';
import { AppError } from '../../errors.js';
import { TokenCipher } from '../../messaging/token-cipher.js';
import type { ExportedStoredMessage, Store } from '../../store/store.js';
import type { Devices } from '../devices.js';
import { attachmentPath, EXPORT_FORMAT, README_TEXT, type ExportedAccount, type ExportedMessage } from './export-format.js';
import { must } from '../../assert.js';

/** Messages read from the store at a time: what an export holds of a history, however long it is. */
export const EXPORT_PAGE_SIZE = 500;

export interface AccountExportDeps {
  store: Pick<Store, 'users' | 'messages' | 'profiles' | 'blocks' | 'push'>;
  /** The access rule of downloads (uploader or recipient), so the export gives no file a download would not. */
  attachments: Pick<Attachments, 'open'>;
  devices: Pick<Devices, 'list'>;
  now?: () => Date;
  pageSize?: number;
}

export interface StartedExport {
  /** papo-<username>-<yyyy-mm-dd>.zip */
  fileName: string;
  /** The zip, made as it is read: a slow reader slows the history's reading (backpressure). */
  body: Readable;
}

export interface AccountExport {
  /**
   * Everything Papo keeps about `user` (issue #17), as a zip (export-format.ts). Only ever the user asked
   * for: the route passes the session's user, and nothing else names one. The account part is read before
   * this resolves, so a store that is down is an error answer, not a broken download; the history and the
   * files are read as the zip is.
   */
  start(user: string, currentSessionKey: string): Promise<StartedExport>;
}

export function createAccountExport(deps: AccountExportDeps): AccountExport {
  const now = deps.now ?? (() => new Date());
  const pageSize = deps.pageSize ?? EXPORT_PAGE_SIZE;
  const { store } = deps;

  async function account(user: string, currentSessionKey: string, at: Date): Promise<ExportedAccount> {
    const [createdAt, [profile], blocked, devices, subscriptions] = await Promise.all([
      store.users.createdAt(user),
      store.profiles.get([user]),
      store.blocks.list(user),
      deps.devices.list(user, currentSessionKey),
      store.push.forUser(user),
    ]);
    const photo = profile?.photo ?? null;
    return {
      format: EXPORT_FORMAT,
      exportedAt: at.toISOString(),
      username: user,
      createdAt,
      profile: {
        displayName: profile?.displayName ?? null,
        lastSeenVisibility: profile?.lastSeenVisibility ?? 'everyone',
        photo: photo === null ? null : { id: photo, file: attachmentPath({ id: photo, name: 'photo' }) },
      },
      blocked: blocked.map((b) => ({ username: b.username, at: b.at })),
      devices: devices.map((d) => ({ name: d.name, loggedInAt: d.loggedInAt, lastUsedAt: d.lastUsedAt, current: d.current })),
      pushSubscriptions: subscriptions.map((s) => ({ endpoint: s.endpoint, createdAt: s.createdAt })),
    };
  }

  return {
    async start(user, currentSessionKey) {
      const at = now();
      const accountJson = await account(user, currentSessionKey, at);
      const key = await store.messages.tokenKey();
      // The ids the API shows (issue #15, item 7), so a line can be matched with what the app showed.
      const cipher = new TokenCipher(key.key);
      /** Files to add after the history, by path: only ids and names are kept, never their bytes. */
      const files = new Map<string, string>();
      if (accountJson.profile.photo) files.set(accountJson.profile.photo.file, accountJson.profile.photo.id);

      async function* messageLines(): AsyncGenerator<string> {
        let after = 0;
        for (;;) {
          const page = await store.messages.exportPage(user, after, pageSize);
          if (page.last === null) return;
          after = page.last;
          const tokens = cipher.encodeAll(
            'message',
            page.messages.map((m) => m.seq),
          );
          let lines = '';
          page.messages.forEach((m, i) => {
            const line = exportedMessage(user, m, must(tokens[i], 'the token of each message'), (seq) => cipher.encode('message', seq));
            for (const a of line.attachments ?? []) files.set(a.file, a.id);
            lines += `${JSON.stringify(line)}\n`;
          });
          yield lines;
        }
      }

      const zip = new ZipFile();
      const body = zip.outputStream as Readable;
      let reading: Readable | undefined;
      // The reader went away: stop reading the history or the file in hand, which ends the work below.
      body.once('close', () => reading?.destroy());
      zip.on('error', (err: unknown) => body.destroy(err instanceof Error ? err : new Error(String(err))));

      zip.addBuffer(Buffer.from(README_TEXT), 'README.txt', { mtime: at });
      zip.addBuffer(Buffer.from(`${JSON.stringify(accountJson, null, 2)}\n`), 'account.json', { mtime: at });
      const fill = async (): Promise<void> => {
        reading = Readable.from(messageLines(), { objectMode: false });
        zip.addReadStream(reading, 'messages.jsonl', { mtime: at });
        await finished(reading);
        for (const [path, id] of files) {
          if (body.destroyed) return;
          const bytes = await deps.attachments
            .open(user, id, 'file')
            .then((file) => file.read())
            .catch((err: unknown) => {
              // Deleted (with its message) since the history was read: gone, so not exported.
              if (err instanceof AppError && err.code === 'attachment_not_found') return undefined;
              throw err;
            });
          if (!bytes) continue;
          reading = bytes;
          // Photos and files are mostly compressed already: deflating them again costs CPU for nothing.
          zip.addReadStream(reading, path, { mtime: at, compress: false });
          await finished(reading);
        }
        zip.end();
      };
      fill().catch((err: unknown) => body.destroy(err instanceof Error ? err : new Error(String(err))));
      return { fileName: `papo-${user}-${at.toISOString().slice(0, 10)}.zip`, body };
    },
  };
}

/** A history entry as messages.jsonl has it; `idOf` gives the id of another message (the one it answers). */
function exportedMessage(user: string, m: ExportedStoredMessage, id: string, idOf: (seq: number) => string): ExportedMessage {
  const sent = m.from === user;
  const line: ExportedMessage = {
    id,
    with: sent ? m.to : m.from,
    direction: sent ? 'sent' : 'received',
    from: m.from,
    to: m.to,
    sentAt: m.sentAt,
    // A deleted message's text is gone from the store already; this says so again, for the export's sake.
    content: m.deleted ? '' : m.content,
    status: m.status,
  };
  if (m.clientId !== undefined) line.clientId = m.clientId;
  if (m.editedAt !== undefined && !m.deleted) line.editedAt = m.editedAt;
  if (m.deleted) line.deleted = true;
  if (m.hidden) line.hidden = true;
  if (m.unreadable) line.unreadable = true;
  if (m.replyTo && !m.deleted) {
    line.replyTo = { id: idOf(m.replyTo.seq), from: m.replyTo.from };
    if (m.replyTo.deleted) line.replyTo.deleted = true;
  }
  if (m.attachments && m.attachments.length > 0 && !m.deleted) {
    line.attachments = m.attachments.map((a) => ({ ...a, file: attachmentPath(a) }));
  }
  return line;
}
