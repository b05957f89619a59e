import { promises as fsp } from 'node:fs';
import { historyOwner, type DataLayout } from './data-layout.js';
import type { DiskFile } from './disk.js';
import type { GroupCommitter } from './group-commit.js';
import type { MessageQueue } from './message-queue.js';
import { decodeHistory } from './records.js';
import type { UserHistory } from './user-history.js';

/** Everything the text store keeps open; rebuilt from the files after a disk failure. */
export interface TextState {
  readonly files: DataLayout;
  readonly queue: MessageQueue;
  readonly users: Map<string, string>;
  /** Names reserved by damage, with why (account-file.ts): they exist but cannot log in until a reset. */
  readonly locked: Map<string, string>;
  /** Names their owners deleted (issue #17): reserved forever by a tombstone in usuarios.txt. */
  readonly deleted: Set<string>;
  usersFile: DiskFile;
  readonly histories: Map<string, Promise<UserHistory>>;
  readonly committer: GroupCommitter;
  /** Highest sequence number handed out, and highest applied to the data files. */
  seq: { assigned: number; committed: number };
}

export async function closeState(state: TextState): Promise<void> {
  await state.queue.close();
  await state.usersFile.close();
  for (const h of state.histories.values()) await (await h).close();
}

/** The highest sequence number in any history: read from each file's last records, not the whole file. */
export async function highestHistorySeq(files: DataLayout, loadFully: (user: string) => Promise<UserHistory>): Promise<number> {
  let highest = 0;
  for (const name of await fsp.readdir(files.histories)) {
    const owner = historyOwner(name);
    if (owner === undefined) continue;
    const handle = await fsp.open(files.history(owner), 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, size - length);
      // Records are in sequence order: the last one that decodes holds the file's highest number.
      const lines = buf.toString('utf8').split('\n');
      let found = 0;
      for (let i = lines.length - 1; i >= 0 && found === 0; i--) {
        const d = decodeHistory(lines[i] ?? '');
        if (d.ok) found = d.value.seq;
      }
      // Nothing readable near the end (a long torn tail): load it whole, which also repairs it.
      if (found === 0 && size > 0) found = (await loadFully(owner)).lastSeq;
      highest = Math.max(highest, found);
    } finally {
      await handle.close();
    }
  }
  return highest;
}
