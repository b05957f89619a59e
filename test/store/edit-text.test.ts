/**
 * An edit keeps only the latest text (issue #18): Papo shows no edit history (nor do WhatsApp and Telegram),
 * so the earlier versions must not stay in the data either. PostgreSQL clears them in the edit's transaction
 * (migrations/017); the text store blanks them in every file within the bound deleted text has
 * (docs/reliability.md, "Deleted means gone": 30 s).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../api/store/store.js';
import { BASE_DATABASE_URL } from '../support/postgres.js';
import type { StoreKind } from '../support/server.js';
import { storeUnderTest, type StoreUnderTest } from '../postgres/helpers.js';

const SCRUB_BOUND_MS = 30_000;
const kinds: StoreKind[] = BASE_DATABASE_URL ? ['text', 'postgres'] : ['text'];

/** Every file under `dir` that holds `needle` (what `grep -rl` would print). */
async function holding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fsp.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await fsp.readFile(file, 'utf8')).includes(needle)) found.push(path.relative(dir, file));
  }
  return found;
}

/** Where the earlier texts still are: files of the text store's folder, rows of PostgreSQL. */
async function earlierTextLeft(under: StoreUnderTest): Promise<string[]> {
  if (under.dir !== undefined) return holding(under.dir, 'versao secreta');
  const client = new pg.Client({ connectionString: under.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM events WHERE content LIKE '%versao secreta%')::int
            + (SELECT count(*) FROM messages WHERE content LIKE '%versao secreta%' OR search_text LIKE '%versao%')::int AS n`,
    );
    return rows[0]?.n ? [`${rows[0].n} rows`] : [];
  } finally {
    await client.end();
  }
}

async function scrubbed(under: StoreUnderTest): Promise<string[]> {
  const deadline = Date.now() + SCRUB_BOUND_MS;
  let left = await earlierTextLeft(under);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = await earlierTextLeft(under);
  }
  return left;
}

async function editTwice(store: Store) {
  for (const username of ['ana', 'beto']) await store.users.create({ username, passwordHash: 'hashed:x' });
  const first = await store.messages.append({ from: 'beto', to: 'ana', content: 'a pergunta' });
  const sent = await store.messages.append({ from: 'ana', to: 'beto', content: 'primeira versao secreta', replyTo: first.message.seq });
  const notBefore = new Date(Date.now() - 60_000).toISOString();
  const seq = sent.message.seq;
  expect(await store.messages.edit({ user: 'ana', seq, content: 'segunda versao secreta', notBefore })).toMatchObject({ kind: 'done' });
  const behind = (await store.messages.readStream('beto', 0, 100)).last;
  expect(await store.messages.edit({ user: 'ana', seq, content: 'a final', notBefore })).toMatchObject({ kind: 'done' });
  return { seq, behind, replyTo: first.message.seq };
}

describe.each(kinds)('%s store: an edit leaves only the latest text', (kind) => {
  let under: StoreUnderTest | undefined;
  afterEach(async () => {
    await under?.destroy();
    under = undefined;
  });

  it('when a message is edited twice, then within the bound no file or row holds its earlier texts, and a stream from before gets the latest edit only', async () => {
    under = await storeUnderTest(kind, { now: () => new Date() });
    const { store } = under;
    const { seq, behind, replyTo } = await editTwice(store);

    expect(await scrubbed(under)).toEqual([]);

    const stream = await store.messages.readStream('beto', 0, 100);
    const edits = stream.events.filter((e) => e.type === 'edit');
    expect(edits.map((e) => (e.type === 'edit' ? e.content : ''))).toEqual(['a final']);
    const message = stream.events.find((e) => e.type === 'message' && e.message.seq === seq);
    expect(message?.type === 'message' && message.message.content).toBe('a final');
    // A device that saw the first edit but not the second gets the second only.
    const fromBehind = (await store.messages.readStream('beto', behind, 100)).events;
    expect(fromBehind.map((e) => (e.type === 'edit' ? e.content : e.type))).toEqual(['a final']);
    for (const user of ['ana', 'beto']) {
      const found = await store.messages.find(user, seq);
      expect(found).toMatchObject({ content: 'a final', replyTo: { seq: replyTo, content: 'a pergunta' } });
      expect(found?.editedAt).toBeTruthy();
      const page = await store.messages.history(user, { with: user === 'ana' ? 'beto' : 'ana', limit: 10 });
      expect(page.messages.find((m) => m.seq === seq)).toMatchObject({ content: 'a final' });
    }
  });

  it.skipIf(kind !== 'text')(
    'when the store is opened again after the scrub, then the message loads with its latest text, its reply link and its edited mark',
    async () => {
      under = await storeUnderTest(kind, { now: () => new Date() });
      const { seq, replyTo } = await editTwice(under.store);
      expect(await scrubbed(under)).toEqual([]);
      await under.store.close();
      const again = await under.open();
      const found = await again.messages.find('beto', seq);
      expect(found).toMatchObject({ content: 'a final', replyTo: { seq: replyTo, content: 'a pergunta' } });
      expect(found?.editedAt).toBeTruthy();
    },
  );
});
