import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../api/logger.js';
import { NodeDisk, nodeDisk, type Disk, type DiskFile } from '../../api/store/text/disk.js';
import { TextStore } from '../../api/store/text/text-store.js';

type Operation = 'write' | 'read' | 'datasync' | 'truncate' | 'stat';

/**
 * The text store's real disk, with a count of every call of `operations` on the files it opens through its
 * Disk seam: a figure that, unlike time, does not depend on what else the machine is doing.
 */
export function countingDisk(operations: readonly Operation[]): { disk: Disk; calls: Map<Operation, number> } {
  const calls = new Map<Operation, number>();
  const disk = new (class extends NodeDisk {
    override async open(file: string, flags: string): Promise<DiskFile> {
      const handle: DiskFile = await nodeDisk.open(file, flags);
      for (const name of operations) {
        const original = (handle[name] as (...args: unknown[]) => Promise<unknown>).bind(handle);
        (handle as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          calls.set(name, (calls.get(name) ?? 0) + 1);
          return original(...args);
        };
      }
      return handle;
    }
  })();
  return { disk, calls };
}

/**
 * A text store on a new temporary folder, its files opened through `disk`: what the in-process store benches
 * measure. `remove` deletes the folder once the store is closed.
 */
export async function openBenchStore(prefix: string, disk: Disk): Promise<{ store: TextStore; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const store = await TextStore.open({
    dataDir: dir,
    log: createLogger({ level: 'warn' }),
    hashPassword: async (p) => p,
    sessionTtlMs: 86_400_000,
    disk,
  });
  return { store, remove: () => rm(dir, { recursive: true, force: true }) };
}
