/**
 * Torn and damaged records of issue #17 (issue #6's torn-file suite, for the new kinds): `bloqueios.txt` cut
 * at every byte of its last records, and an account-deletion tombstone (`name;!deleted;crc`) cut at every
 * byte. Damage never widens access: every block a whole line holds stays in force (a torn unblock keeps the
 * block), and a deleted name never becomes an account anyone can log into or sign up with.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextStore } from '../../api/store/text/text-store.js';
import { tempDir } from '../support/server.js';
import { HASH, lineStarts, openStore, putSession, restore, snapshot, type LogLine } from './support/store.js';

const USERS = ['alice', 'bruno', 'carla', 'dora', 'eva'];
const BLOCKS = 'bloqueios.txt';
const TORN = 'dropped a torn tail (an unfinished write)';
const CUT_TIMEOUT = process.env.PAPO_LONG ? 900_000 : 60_000;

let dir: string;
let baseline: Map<string, Buffer>;

/**
 * Eva deletes her account (so usuarios.txt ends with her tombstone), then blocks and unblocks, so that
 * bloqueios.txt, not compacted by a start yet, ends with a `b` line and a `u` line.
 */
async function build(): Promise<void> {
  const { store } = await openStore(dir);
  for (const username of USERS) await store.users.create({ username, passwordHash: HASH });
  await putSession(store, 'sid-eva', 'eva');
  await store.blocks.block('dora', 'eva');
  await store.messages.append({ from: 'eva', to: 'alice', content: 'tchau; até logo' });
  expect((await store.deleteAccount('eva')).kind).toBe('deleted');
  const b = store.blocks;
  await b.block('alice', 'bruno');
  await b.block('alice', 'carla');
  await b.block('bruno', 'alice');
  await b.unblock('alice', 'carla');
  await b.block('carla', 'dora');
  await b.unblock('bruno', 'alice');
  await store.close();
}

/** The pairs in force after the whole lines of a bloqueios.txt (the last line for a pair wins). */
function blocksIn(file: Buffer): Set<string> {
  const live = new Set<string>();
  for (const line of file.toString('utf8').split('\n')) {
    const [kind, blocker, blocked] = line.split(';');
    if (kind === 'b') live.add(`${blocker}>${blocked}`);
    if (kind === 'u') live.delete(`${blocker}>${blocked}`);
  }
  return live;
}

async function blocksInForce(store: TextStore): Promise<Set<string>> {
  const live = new Set<string>();
  for (const u of USERS) for (const { username } of await store.blocks.list(u)) live.add(`${u}>${username}`);
  return live;
}

const logsAbout = (logs: LogLine[], msg: string, rel: string) =>
  logs.filter((l) => l.msg === msg && String(l.file).endsWith(path.sep + rel));

beforeAll(async () => {
  dir = await tempDir('papo-torn-17-');
  await build();
  baseline = await snapshot(dir);
});

afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('bloqueios.txt cut at every byte of its last records', () => {
  it(
    'when the file is cut anywhere in its last block and unblock, then the store opens, drops only the torn tail, and every block a whole line holds is in force',
    async () => {
      const original = baseline.get(BLOCKS) ?? Buffer.alloc(0);
      const lines = original.toString('utf8').split('\n');
      expect(lines.slice(-3, -1).map((l) => l.split(';')[0])).toEqual(['b', 'u']);
      const starts = lineStarts(original);
      let cuts = 0;
      for (let cut = starts.at(-3) ?? 0; cut < original.length; cut++) {
        await restore(dir, baseline);
        await fsp.truncate(path.join(dir, BLOCKS), cut);
        const { store, logs } = await openStore(dir);
        const inForce = await blocksInForce(store);
        await store.close();
        cuts++;
        const boundary = Math.max(...starts.filter((s) => s <= cut));
        // A torn `u;bruno;alice` line keeps bruno's block of alice: it was never acknowledged.
        expect([...inForce].sort(), `cut at ${cut}`).toEqual([...blocksIn(original.subarray(0, boundary))].sort());
        if (cut < (starts.at(-2) ?? 0)) expect(inForce.has('bruno>alice')).toBe(true);
        const torn = logsAbout(logs, TORN, BLOCKS);
        expect(torn.map((l) => l.droppedBytes)).toEqual(cut > boundary ? [cut - boundary] : []);
      }
      expect(cuts).toBeGreaterThan(40);
    },
    CUT_TIMEOUT,
  );

  it('when a byte of line 2 changes, then the store refuses to start and names the file and line', async () => {
    const damaged = Buffer.from(baseline.get(BLOCKS) ?? Buffer.alloc(0));
    const starts = lineStarts(damaged);
    const at = Math.floor(((starts[1] ?? 0) + (starts[2] ?? 0)) / 2);
    damaged[at] = (damaged[at] ?? 0) ^ 0x01;
    await restore(dir, baseline);
    await fsp.writeFile(path.join(dir, BLOCKS), damaged);
    await expect(openStore(dir)).rejects.toThrow(/bloqueios\.txt line 2 is damaged .*: refusing to start rather than forget a block/);
  });
});

describe('a tombstone in usuarios.txt, and usuarios.txt cut after it', () => {
  /** Opens the folder with usuarios.txt cut at `cut`; answers what the store says of the deleted name. */
  async function eva(cut: number): Promise<{ found: unknown; reserved: boolean; taken: boolean }> {
    await restore(dir, baseline);
    await fsp.truncate(path.join(dir, 'usuarios.txt'), cut);
    const { store } = await openStore(dir);
    const found = await store.users.find('eva');
    const reserved = store.users.exists('eva');
    const taken = await store.users.create({ username: 'eva', passwordHash: HASH });
    await store.close();
    return { found, reserved, taken };
  }
  const kept = { found: undefined, reserved: true, taken: false };

  it(
    'when the file is cut anywhere in its last two records, then the tombstone, written first, keeps the deleted name reserved',
    async () => {
      const original = baseline.get('usuarios.txt') ?? Buffer.alloc(0);
      const lines = original.toString('utf8').split('\n');
      // A crash tears only the last line (an append): the tombstone is never it.
      expect(lines[0]).toMatch(/^eva;!deleted;[0-9a-f]{8}$/);
      expect(lines.at(-2)).toMatch(/^dora;\$2/);
      const starts = lineStarts(original);
      let cuts = 0;
      for (let cut = starts.at(-3) ?? 0; cut < original.length; cut++, cuts++) expect(await eva(cut), `cut at ${cut}`).toEqual(kept);
      expect(cuts).toBeGreaterThan(100);
    },
    CUT_TIMEOUT,
  );

  it(
    'when the file is cut inside the tombstone itself, after its name and `;!`, then the name is locked, never free',
    async () => {
      for (let cut = 'eva;!'.length; cut < 'eva;!deleted;00000000'.length; cut++) expect(await eva(cut), `cut at ${cut}`).toEqual(kept);
    },
    CUT_TIMEOUT,
  );
});
