/**
 * Power loss, not only kill -9 (issue #15). kill -9 keeps the page cache; a power loss keeps only what was
 * fsynced. The store runs a seeded workload (sends, bursts, acknowledging polls, read marks, sign-ups,
 * logins and logouts, failed logins, pauses for checkpoints, a restart) on a Disk that records every change
 * it makes (support/power-loss-disk.ts); then, at many cuts of that record, the folder a power loss would
 * leave is built (support/crash-states.ts: only what was fsynced, or that plus a prefix of the unsynced
 * writes) and the store is reopened on it: every acknowledged message is there, with its receipts, every
 * file loads, and the store works on (support/power-loss-check.ts).
 *
 * PAPO_POWER_LOSS_SEED=<n> runs one seed again; PAPO_LONG=1 runs more seeds, steps and cuts.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/server.js';
import { CrashStates, seededRandom, type Variant } from './support/crash-states.js';
import { checkReopened, Promised } from './support/power-loss-check.js';
import { OUTSIDE_THE_DISK, PowerLossDisk } from './support/power-loss-disk.js';
import { dataDirOf, Workload, type Promise201 } from './support/power-loss-workload.js';
import { snapshot } from './support/store.js';

const LONG = process.env.PAPO_LONG === '1';
const GIVEN_SEED = process.env.PAPO_POWER_LOSS_SEED;
const SEEDS = GIVEN_SEED ? [Number(GIVEN_SEED)] : Array.from({ length: LONG ? 5 : 1 }, () => Math.floor(Math.random() * 2 ** 31));
const STEPS = LONG ? 400 : 120;
const CUTS = LONG ? 400 : 40;
const VARIANTS: Variant[] = ['synced', 'prefix'];

const cleanups: string[] = [];
afterAll(async () => {
  for (const dir of cleanups) await fsp.rm(dir, { recursive: true, force: true });
});

describe('power loss', () => {
  it.each(SEEDS)(
    'when the power goes at any of many cuts of a seeded workload (seed %i), then the reopened store has every acknowledged write, reads nothing half-written, and works on',
    async (seed) => {
      const started = Date.now();
      const random = seededRandom(seed);
      const root = await tempDir('papo-power-');
      cleanups.push(root);
      const disk = new PowerLossDisk(root);
      await new Workload(disk, { steps: STEPS, random, dataDir: dataDirOf(root) }).run();

      // The record holds every change the store made: replayed whole, it gives the folder as it is.
      const states = new CrashStates(disk);
      states.advance(disk.journal.length);
      const real = await snapshot(root);
      for (const name of OUTSIDE_THE_DISK) real.delete(path.join('data', name));
      const replayed = new Map(
        [...states.visible()].flatMap(([rel, c]) => (c === 'folder' ? [] : [[rel.split('/').join(path.sep), c] as const])),
      );
      expect([...replayed.keys()].sort()).toEqual([...real.keys()].sort());
      for (const [rel, content] of real) expect(replayed.get(rel)?.equals(content), rel).toBe(true);

      // The workload reached what it is for: checkpoints that rotate the journal, queue compaction, new history files.
      const covered = coverage(disk);
      expect(
        Math.min(covered.compactions, covered.journalRestarts, covered.historiesCreated, covered.folderSyncs),
        JSON.stringify(covered),
      ).toBeGreaterThan(0);

      const cuts = [...new Set(Array.from({ length: CUTS }, () => Math.floor(random() * (disk.journal.length + 1))))].sort((a, b) => a - b);
      const replay = new CrashStates(disk);
      const promised = new Promised();
      const failures: string[] = [];
      for (const cut of cuts) {
        for (let i = replay.position; i < cut; i++) {
          const entry = disk.journal[i];
          if (entry?.op === 'mark') promised.add(entry.event as Promise201);
        }
        replay.advance(cut);
        for (const variant of VARIANTS) {
          const crashed = path.join(await tempDir('papo-power-cut-'), 'root');
          replay.materialize(crashed, variant, random);
          const problems = await checkReopened(dataDirOf(crashed), promised);
          if (problems.length > 0) {
            // What the store did up to the cut, to read beside the folder it left.
            const record = disk.journal
              .slice(0, cut)
              .map((op, i) => `${i} ${JSON.stringify(op, (k, v: unknown) => (k === 'data' ? String(Buffer.from(v as Buffer)) : v))}`);
            await fsp.writeFile(path.join(path.dirname(crashed), 'disk-record.txt'), record.join('\n'));
            failures.push(
              `seed ${seed}, cut ${cut}/${disk.journal.length} (${variant}), folder kept at ${crashed}:\n  ${problems.join('\n  ')}`,
            );
            if (failures.length >= 3) break;
          } else await fsp.rm(path.dirname(crashed), { recursive: true, force: true });
        }
        if (failures.length >= 3) break;
      }
      console.log(
        `power loss: seed ${seed}, ${disk.journal.length} disk operations, ${promised.sent.size} messages acknowledged by the last cut, ` +
          `${cuts.length} cuts x ${VARIANTS.length} variants in ${((Date.now() - started) / 1000).toFixed(1)} s; ${JSON.stringify(covered)}`,
      );
      expect(failures, `power loss with seed ${seed} (rerun: PAPO_POWER_LOSS_SEED=${seed})`).toEqual([]);
    },
    LONG ? 600_000 : 120_000,
  );
});

/** What the recorded workload did to the folder, counted from the Disk's record. */
function coverage(disk: PowerLossDisk): { compactions: number; journalRestarts: number; historiesCreated: number; folderSyncs: number } {
  const journals = new Set<number>();
  let compactions = 0;
  let journalRestarts = 0;
  let historiesCreated = 0;
  let folderSyncs = 0;
  for (const op of disk.journal) {
    if (op.op === 'create' && /journal(-2)?\.txt$/.test(op.path)) journals.add(op.id);
    if (op.op === 'create' && op.path.includes('/historico/')) historiesCreated++;
    if (op.op === 'rename' && op.from.endsWith('.compact')) compactions++;
    if (op.op === 'truncate' && op.length === 0 && journals.has(op.id)) journalRestarts++;
    if (op.op === 'folder-sync-end') folderSyncs++;
  }
  return { compactions, journalRestarts, historiesCreated, folderSyncs };
}
