import type { Logger } from '../../logger.js';
import { AttachmentFiles } from './attachment-files.js';
import { BlockListFile } from './block-list-file.js';
import { DATA_FILES, type DataLayout } from './data-layout.js';
import type { Disk } from './disk.js';
import { reportLoad } from './line-file.js';
import { ProfileFile } from './profile-file.js';
import { PushSubscriptionsFile } from './push-subscriptions-file.js';
import { RateLimitFile } from './rate-limit-file.js';
import { FileSessionStore } from './session-file.js';
import { readOrCreateVapidKeys } from './vapid-key-file.js';

/** The files beside the messages, one concept each: opened once the folder is locked, closed after the state. */
export interface SideFiles {
  sessions: FileSessionStore;
  rateLimits: RateLimitFile;
  profiles: ProfileFile;
  attachments: AttachmentFiles;
  push: PushSubscriptionsFile;
  blocks: BlockListFile;
}

/** Opens the side files and logs what each load dropped or could not compact. */
export async function openSideFiles(
  files: DataLayout,
  options: { sessionTtlMs: number; now: () => Date; log: Logger },
  disk: Disk,
): Promise<SideFiles> {
  const { log, now } = options;
  const sessions = await FileSessionStore.open(files.sessions, options.sessionTtlMs, undefined, disk);
  const rateLimits = await RateLimitFile.open(files.rateLimits, now().getTime(), disk);
  const profiles = await ProfileFile.open(files.profiles, disk);
  const attachments = await AttachmentFiles.open(files.dir, disk, log);
  // A damaged key file stops the start (vapid-key-file.ts); a missing one is made now (issue #17).
  const vapidKeys = await readOrCreateVapidKeys(disk, files.vapidKeys);
  const push = await PushSubscriptionsFile.open(files.pushSubscriptions, vapidKeys, disk);
  const blocks = await BlockListFile.open(files.blocks, now, disk);
  reportLoad(log, files.blocks, blocks.loadReport);
  reportLoad(log, files.sessions, sessions.loadReport);
  reportLoad(log, files.rateLimits, rateLimits.loadReport);
  reportLoad(log, files.profiles, profiles.loadReport);
  reportLoad(log, files.pushSubscriptions, push.loadReport);
  for (const [file, err] of [
    [DATA_FILES.sessions, sessions.notCompacted],
    [DATA_FILES.rateLimits, rateLimits.notCompacted],
    [DATA_FILES.profiles, profiles.notCompacted],
    [DATA_FILES.pushSubscriptions, push.notCompacted],
    [DATA_FILES.blocks, blocks.notCompacted],
  ] as const) {
    if (err !== undefined) log.warn({ file, err }, 'not rewritten with its live records only: the disk is full');
  }
  return { sessions, rateLimits, profiles, attachments, push, blocks };
}

export async function closeSideFiles(side: SideFiles): Promise<void> {
  await side.sessions.close();
  await side.rateLimits.close();
  await side.profiles.close();
  await side.attachments.close();
  await side.push.close();
  await side.blocks.close();
}
