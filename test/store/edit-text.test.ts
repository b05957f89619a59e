/**
 * An edit keeps only the latest text (issue #18): Papo shows no edit history (nor do WhatsApp and Telegram),
 * so the earlier versions must not stay in the rows either. PostgreSQL for now (migrations/017); the text
 * store still keeps them in the history lines (docs/reliability.md says so).
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_DATABASE_URL } from '../support/postgres.js';
import { storeUnderTest, type StoreUnderTest } from '../postgres/helpers.js';

describe.skipIf(!BASE_DATABASE_URL)('postgres store: an edit leaves only the latest text', () => {
  let under: StoreUnderTest | undefined;
  afterEach(async () => {
    await under?.destroy();
    under = undefined;
  });

  it('when a message is edited twice, then no row holds its earlier texts, and a stream from before gets the latest edit only', async () => {
    under = await storeUnderTest('postgres', { now: () => new Date() });
    const { store } = under;
    for (const username of ['ana', 'beto']) await store.users.create({ username, passwordHash: 'hashed:x' });
    const sent = await store.messages.append({ from: 'ana', to: 'beto', content: 'primeira versao secreta' });
    const notBefore = new Date(Date.now() - 60_000).toISOString();
    const seq = sent.message.seq;
    expect(await store.messages.edit({ user: 'ana', seq, content: 'segunda versao secreta', notBefore })).toMatchObject({ kind: 'done' });
    expect(await store.messages.edit({ user: 'ana', seq, content: 'a final', notBefore })).toMatchObject({ kind: 'done' });

    const client = new pg.Client({ connectionString: under.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM events WHERE content LIKE '%versao secreta%')::int
              + (SELECT count(*) FROM messages WHERE content LIKE '%versao secreta%' OR search_text LIKE '%versao%')::int AS n`,
      );
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }

    const stream = await store.messages.readStream('beto', 0, 100);
    const edits = stream.events.filter((e) => e.type === 'edit');
    expect(edits.map((e) => (e.type === 'edit' ? e.content : ''))).toEqual(['a final']);
    const message = stream.events.find((e) => e.type === 'message');
    expect(message?.type === 'message' && message.message.content).toBe('a final');
    expect((await store.messages.find('beto', seq))?.content).toBe('a final');
  });
});
