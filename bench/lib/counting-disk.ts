import { nodeDisk, type Disk, type DiskFile } from '../../api/store/text/disk.js';

type Operation = 'write' | 'read' | 'datasync' | 'truncate' | 'stat';

/**
 * The text store's real disk, with a count of every call of `operations` on the files it opens through its
 * Disk seam: a figure that, unlike time, does not depend on what else the machine is doing.
 */
export function countingDisk(operations: readonly Operation[]): { disk: Disk; calls: Map<Operation, number> } {
  const calls = new Map<Operation, number>();
  const disk: Disk = {
    async open(file, flags) {
      const handle: DiskFile = await nodeDisk.open(file, flags);
      for (const name of operations) {
        const original = (handle[name] as (...args: unknown[]) => Promise<unknown>).bind(handle);
        (handle as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          calls.set(name, (calls.get(name) ?? 0) + 1);
          return original(...args);
        };
      }
      return handle;
    },
  };
  return { disk, calls };
}
