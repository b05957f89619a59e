import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { MIGRATIONS_DIR, PostgresStore } from '../../api/store/postgres/postgres-store.js';
import type { Store } from '../../api/store/store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { BASE_DATABASE_URL, createTestSchema, dropTestSchema } from '../support/postgres.js';
import { captureLog } from '../support/log.js';
import { HASH, storeUnderTest, type StoreUnderTest } from './helpers.js';

const defer = cleanupAfterEach();

describe.skipIf(!BASE_DATABASE_URL)('PostgresStore under concurrency', () => {
  it('when two processes start on an empty schema at once, then the migrations run once and both open', async () => {
    const { schema, url } = await createTestSchema();
    defer(() => dropTestSchema(schema));
    const log = captureLog();
    const open = () => PostgresStore.open({ url, poolSize: 2, log: log.logger, sessionTtlMs: 60_000 });
    const stores = await Promise.all([open(), open(), open()]);
    for (const s of stores) defer(() => s.close());
    expect(new Set(stores.map((s) => s.messages.epoch)).size).toBe(1);
    const migrations = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql'));
    expect(log.entries.filter((l) => l.msg === 'applied a database migration')).toHaveLength(migrations.length);
  });

  it('when a cursor that was never handed out is acknowledged alongside good ones, then only it is not handed out', async () => {
    const sut = await storeUnderTest('postgres');
    defer(() => sut.destroy());
    const { store } = sut;
    for (const u of ['ana', 'beto', 'caio']) await store.users.create({ username: u, passwordHash: HASH });
    await store.messages.append({ from: 'ana', to: 'beto', content: '1' });
    await store.messages.append({ from: 'ana', to: 'caio', content: '2' });
    const results = await Promise.all([
      store.messages.acknowledge('beto', 2),
      store.messages.acknowledge('caio', 1_000_000),
      store.messages.acknowledge('caio', 2),
    ]);
    expect(results).toEqual([
      { kind: 'acknowledged', senders: ['ana'], newer: false },
      { kind: 'not_handed_out' },
      { kind: 'acknowledged', senders: ['ana'], newer: false },
    ]);
    // Beto's own last event, not the store's highest number (3 and 4 are status events in ana's stream).
    expect(await store.messages.startPosition('beto')).toBe(1);
    expect((await store.messages.readStream('ana', 2, 10)).events.map((e) => e.type)).toEqual(['status', 'status']);
  });

  it('when many senders on two processes race, then a reader polling by cursor gets every message once, in order', async () => {
    const sut: StoreUnderTest = await storeUnderTest('postgres', { now: () => new Date() });
    defer(() => sut.destroy());
    const a = sut.store;
    const b = await sut.open();
    const senders = Array.from({ length: 8 }, (_, i) => `sender${i}`);
    for (const u of ['reader', ...senders]) await a.users.create({ username: u, passwordHash: HASH });
    const perSender = 40;
    let sending = true;
    const received: number[] = [];
    const reader = (async () => {
      let cursor = 0;
      // Reads while writes are in flight: a seq that commits late must never land below the cursor.
      for (;;) {
        const done = !sending;
        const page = await a.messages.readStream('reader', cursor, 50);
        for (const e of page.events) if (e.type === 'message') received.push(e.message.seq);
        cursor = page.last;
        if (done && page.events.length === 0) return;
      }
    })();
    const stores: Store[] = [a, b];
    await Promise.all(
      senders.map(async (from, i) => {
        const store = stores[i % 2] as Store;
        for (let n = 0; n < perSender; n++) await store.messages.append({ from, to: 'reader', content: `${from} ${n}` });
      }),
    );
    sending = false;
    await reader;
    expect(received).toHaveLength(senders.length * perSender);
    expect(new Set(received).size).toBe(received.length);
    expect([...received].sort((x, y) => x - y)).toEqual(received);
  });
});
