import { promises as fsp } from 'node:fs';
import type { Logger } from '../../logger.js';
import type { AccountDeletion } from '../store.js';
import type { AttachmentFiles } from './attachment-files.js';
import type { BlockListFile } from './block-list-file.js';
import type { ProfileFile } from './profile-file.js';
import type { PushSubscriptionsFile } from './push-subscriptions-file.js';
import type { FileSessionStore } from './session-file.js';
import type { TextContext } from './text-context.js';
import type { TextMessages } from './text-messages.js';
import type { TextUsers } from './text-users.js';

/** What a deletion touches: every file of the data folder that may hold something of the account. */
export interface DeletionParts {
  context: Pick<TextContext, 'state' | 'disk' | 'history'>;
  users: TextUsers;
  messages: TextMessages;
  sessions: FileSessionStore;
  push: PushSubscriptionsFile;
  profiles: ProfileFile;
  blocks: BlockListFile;
  attachments: AttachmentFiles;
  /** Starts both journal files afresh at the next quiet points: they may hold the account's lines. */
  wipeJournal(): void;
  log: Logger;
}

/**
 * "Delete my account" on the text files (issue #17). The tombstone goes first (usuarios.txt rewritten whole,
 * text-users.ts): from then on the name is reserved and nobody logs in with it. Then the rest, each file
 * rewritten durably (new file, fsync, rename, fsync of the folder), never merely outvoted by a later line:
 * sessions (ended at once, as a logout), push subscriptions, the messages still queued for the account
 * (their lines and text leave mensagens.txt), the profile and its photo, the blocks, the files only its own
 * history names (what it sent while blocked), and last the history file. What it received stays in each
 * sender's history untouched, text and status: the sender's copy is the sender's, never deleted for them.
 * A kill -9 anywhere in between leaves a tombstone whose data is still there: `finishUnfinished` at start
 * does the rest, every step being idempotent.
 */
export class TextAccountDeletion {
  /** One deletion at a time: each rewrites files whole. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly parts: DeletionParts) {}

  delete(username: string): Promise<AccountDeletion> {
    const run = this.running.then(async (): Promise<AccountDeletion> => {
      if (!(await this.parts.users.writeTombstone(username))) return { kind: 'not_found' };
      return { kind: 'deleted', grew: await this.finish(username) };
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  /** At start: finishes every deletion a crash interrupted (a tombstone whose account still has data). */
  async finishUnfinished(): Promise<string[]> {
    const finished: string[] = [];
    for (const username of this.parts.context.state.deleted) {
      if (!(await this.hasData(username))) continue;
      await this.finish(username);
      finished.push(username);
    }
    if (finished.length > 0) this.parts.log.info({ usernames: finished }, 'finished deleting accounts a stop had interrupted');
    return finished;
  }

  private async hasData(username: string): Promise<boolean> {
    const { sessions, push, profiles, blocks, context } = this.parts;
    if (sessions.ofUser(username).length > 0 || profiles.holds(username) || blocks.holds(username)) return true;
    if (context.state.queue.undeliveredUpTo(username, Infinity).length > 0) return true;
    if ((await push.forUser(username)).length > 0) return true;
    return fsp.access(context.state.files.history(username)).then(
      () => true,
      () => false,
    );
  }

  /** The rest of a deletion, after its tombstone; answers the users whose streams grew (none: nobody else's changes). */
  private async finish(username: string): Promise<string[]> {
    const { sessions, push, profiles, blocks, attachments, messages, context } = this.parts;
    // The cookie stops working at once (the end is announced as a logout is), then the lines go.
    await sessions.destroyUser(username);
    await push.forgetUser(username);
    await sessions.compactNow();
    const [profile] = await profiles.get([username]);
    await messages.dropQueuedFor(username);
    const photo = profile?.photo ?? null;
    await attachments.remove([...(photo === null ? [] : [photo]), ...(await this.withheldFiles(username))]);
    if (!(await profiles.forget(username))) {
      this.parts.log.error(
        { username },
        'perfis.txt has a damaged line that names nobody: the profile of the deleted account stays in it until an operator repairs the file',
      );
    }
    await blocks.forget(username);
    // Last: while the history file is there, a start knows the deletion is unfinished. Nothing writes it any
    // more (the data-file writer skips deleted owners); the batches in flight are let through first.
    const { state, disk } = context;
    await state.committer.drain();
    const history = state.histories.get(username);
    state.histories.delete(username);
    await (await history?.catch(() => undefined))?.close();
    await fsp.rm(state.files.history(username), { force: true });
    await disk.syncFolder(state.files.histories);
    this.parts.wipeJournal();
    return [];
  }

  /**
   * The files of the messages the account sent while blocked (withheld, issue #17): only its own history names
   * them, so nobody else could ever reach them. Every other file a message of its history carried is the
   * other party's too, and stays.
   */
  private async withheldFiles(username: string): Promise<string[]> {
    const h = await this.parts.context.history(username);
    const records = await h.records(h.messages.filter((r) => !r.unreadable));
    return records.flatMap((r) => (r.kind === 'msg' && r.from === username && r.withheld ? (r.attachments ?? []).map((a) => a.id) : []));
  }
}
