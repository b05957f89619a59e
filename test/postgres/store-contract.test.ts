import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../api/store/store.js';
import { STORES } from '../support/server.js';
import { HASH, storeUnderTest, type StoreUnderTest } from './helpers.js';

/**
 * The Store contract, run on every store (issue #5: "the same behaviour"). The scenario test runs one
 * script on the text store and on PostgreSQL and asserts every answer is identical, sequence numbers
 * included: the text store is the reference.
 */
const open: StoreUnderTest[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.destroy();
});
async function fresh(kind: (typeof STORES)[number]): Promise<StoreUnderTest> {
  const s = await storeUnderTest(kind);
  open.push(s);
  return s;
}

async function withUsers(store: Store, ...names: string[]): Promise<void> {
  for (const username of names) expect(await store.users.create({ username, passwordHash: HASH })).toBe(true);
}

/** Every kind of call, in an order that exercises receipts, read marks, idempotency and paging. */
async function scenario(store: Store): Promise<unknown[]> {
  const out: unknown[] = [];
  const m = store.messages;
  await withUsers(store, 'ana', 'beto', 'caio');
  out.push(
    await store.users.create({ username: 'ana', passwordHash: HASH }),
    await store.users.find('beto'),
    await store.users.exists('zzz'),
  );
  out.push(await m.startPosition('beto'));
  for (let i = 1; i <= 5; i++) out.push(await m.append({ from: 'ana', to: 'beto', content: `a${i} ;\n\\ 🎉`, clientId: `k${i}` }));
  out.push(await m.append({ from: 'caio', to: 'beto', content: 'from caio' }));
  out.push(await m.append({ from: 'beto', to: 'ana', content: 'reply' }));
  out.push(await m.append({ from: 'ana', to: 'beto', content: 'a1 ;\n\\ 🎉', clientId: 'k1' }));
  out.push(await m.append({ from: 'ana', to: 'beto', content: 'different', clientId: 'k1' }));
  out.push(await m.startPosition('beto'), await m.startPosition('ana'));
  out.push(await m.readStream('beto', 0, 3), await m.readStream('beto', 3, 100));
  out.push(await m.acknowledge('beto', 3));
  out.push(await m.startPosition('beto'), await m.readStream('ana', 0, 100));
  await m.markRead('beto', 'ana', 4);
  out.push(await m.conversations('beto'), await m.conversations('ana'));
  const end = (await m.readStream('beto', 0, 100)).last;
  out.push(await m.acknowledge('beto', end), await m.acknowledge('beto', end), await m.acknowledge('beto', end + 1000));
  out.push(await m.readStream('ana', 0, 100), await m.readStream('caio', 0, 100));
  await m.markRead('beto', 'ana', 4);
  await m.markRead('ana', 'beto', 7);
  out.push(await m.history('beto', { limit: 3 }));
  out.push(await m.history('beto', { limit: 3, before: 5 }));
  out.push(await m.history('beto', { with: 'ana', limit: 2, before: 3 }));
  out.push(await m.history('ana', { with: 'caio', limit: 10 }));
  out.push(await m.conversations('beto'), await m.startPosition('beto'));
  expect(await m.markRead('beto', 'caio', 1)).toBe('not_found');
  // U+0000 cannot be stored in a PostgreSQL text column as it is; `\0` written by hand must stay distinct from it.
  out.push(await m.append({ from: 'caio', to: 'ana', content: 'nul \u0000 here, a backslash-zero \\0 there, \\\\ two' }));
  out.push(await m.append({ from: 'caio', to: 'ana', content: 'nul \u0000 here, a backslash-zero \\0 there, \\\\ two', clientId: 'n1' }));
  out.push(await m.append({ from: 'caio', to: 'ana', content: 'nul \\0 here, a backslash-zero \\0 there, \\\\ two', clientId: 'n1' }));
  out.push(await m.history('ana', { with: 'caio', limit: 5 }));
  return out;
}

describe.each(STORES)('Store contract (%s)', (kind) => {
  it('when a scripted conversation runs, then the answers are what the text store gives, to the byte', async () => {
    const reference = await scenario((await fresh('text')).store);
    const actual = kind === 'text' ? reference : await scenario((await fresh(kind)).store);
    expect(actual).toEqual(reference);
    expect(JSON.stringify(actual)).toContain('"kind":"conflict"');
  });

  it('when a message is appended, then both streams have it once it resolves, and only other processes are told', async () => {
    const { store, open: reopen } = await fresh(kind);
    await withUsers(store, 'ana', 'beto');
    const other = kind === 'postgres' ? await reopen() : undefined;
    const heardHere: string[][] = [];
    const heardThere: string[][] = [];
    store.onStreamsGrewElsewhere((users) => heardHere.push([...users].sort()));
    other?.onStreamsGrewElsewhere((users) => heardThere.push([...users].sort()));
    const r = await store.messages.append({ from: 'ana', to: 'beto', content: 'oi' });
    expect(r.kind).toBe('created');
    for (const user of ['ana', 'beto']) {
      const page = await store.messages.readStream(user, 0, 10);
      expect(page.events).toEqual([{ type: 'message', message: r.message }]);
    }
    if (other) {
      // A second process on the same database hears of it (NOTIFY), sees the same data and the same epoch.
      await expect.poll(() => heardThere).toContainEqual(['ana', 'beto']);
      expect(other.messages.epoch).toBe(store.messages.epoch);
      expect((await other.messages.readStream('beto', 0, 10)).events).toHaveLength(1);
    }
    // The writing process is not told: its domain wakes its polls when the write resolves (issue #16).
    expect(heardHere).toEqual([]);
  });

  it('when the recipient acknowledges, then the sender gets one delivered event and the start position moves', async () => {
    const { store } = await fresh(kind);
    await withUsers(store, 'ana', 'beto');
    const m1 = await store.messages.append({ from: 'ana', to: 'beto', content: '1' });
    await store.messages.append({ from: 'ana', to: 'beto', content: '2' });
    expect(await store.messages.startPosition('beto')).toBe(0);
    await store.messages.acknowledge('beto', 1);
    await store.messages.acknowledge('beto', 1);
    expect(await store.messages.startPosition('beto')).toBe(1);
    const ana = await store.messages.readStream('ana', 2, 10);
    expect(ana.events).toEqual([{ type: 'status', messageSeq: m1.message.seq, status: 'delivered', at: '2026-01-02T03:04:05.678Z' }]);
  });

  it('when a cursor is acknowledged, then the answer says whether the stream holds anything above it (a status event for the acknowledger too)', async () => {
    const { store } = await fresh(kind);
    await withUsers(store, 'ana', 'beto');
    await store.messages.append({ from: 'ana', to: 'beto', content: '1' });
    await store.messages.append({ from: 'ana', to: 'beto', content: '2' });
    expect(await store.messages.acknowledge('beto', 1)).toEqual({ kind: 'acknowledged', senders: ['ana'], newer: true });
    expect(await store.messages.acknowledge('beto', 2)).toEqual({ kind: 'acknowledged', senders: ['ana'], newer: false });
    expect(await store.messages.acknowledge('beto', 2)).toEqual({ kind: 'acknowledged', senders: [], newer: false });
    // Ana's stream: her two messages, then the two "delivered" events beto's acknowledgements gave it.
    expect(await store.messages.acknowledge('ana', 2)).toEqual({ kind: 'acknowledged', senders: [], newer: true });
    expect(await store.messages.acknowledge('ana', 4)).toEqual({ kind: 'acknowledged', senders: [], newer: false });
  });

  it('when two devices acknowledge the same cursor at once, then the sender gets one delivered event', async () => {
    const { store } = await fresh(kind);
    await withUsers(store, 'ana', 'beto');
    await store.messages.append({ from: 'ana', to: 'beto', content: '1' });
    await Promise.all([store.messages.acknowledge('beto', 1), store.messages.acknowledge('beto', 1)]);
    expect((await store.messages.readStream('ana', 1, 10)).events).toHaveLength(1);
  });

  it('when the same clientId is sent concurrently, then one message is created and the rest are duplicates', async () => {
    const { store } = await fresh(kind);
    await withUsers(store, 'ana', 'beto');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.messages.append({ from: 'ana', to: 'beto', content: 'once', clientId: 'same' })),
    );
    expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
    expect(new Set(results.map((r) => r.message.seq)).size).toBe(1);
    expect((await store.messages.readStream('beto', 0, 100)).events).toHaveLength(1);
  });

  it('when the recipient deleted their account, then a new message is refused with nothing stored, and a retry of one sent before gets it', async () => {
    const sut = await fresh(kind);
    const m = sut.store.messages;
    await withUsers(sut.store, 'ana', 'beto');
    const sent = await m.append({ from: 'ana', to: 'beto', content: 'before', clientId: 'k1' });
    // PostgreSQL: deleted by another process, so nothing in this one has heard of it (issue #20).
    const deleter = kind === 'postgres' ? await sut.open() : sut.store;
    expect(await deleter.deleteAccount('beto')).toEqual({ kind: 'deleted', grew: [] });
    const stream = await m.readStream('ana', 0, 100);
    const history = await m.history('ana', { limit: 10 });

    expect(await m.tryAppend({ from: 'ana', to: 'beto', content: 'after' })).toEqual({ kind: 'recipient_deleted' });
    expect(await m.tryAppend({ from: 'ana', to: 'beto', content: 'after', clientId: 'k2' })).toEqual({ kind: 'recipient_deleted' });
    await expect(m.append({ from: 'ana', to: 'beto', content: 'after' })).rejects.toThrow('the account "beto" is deleted');
    const retry = await m.tryAppend({ from: 'ana', to: 'beto', content: 'before', clientId: 'k1' });
    expect(retry).toEqual({ kind: 'duplicate', message: sent.message });

    expect(await m.readStream('ana', 0, 100)).toEqual(stream);
    expect(await m.history('ana', { limit: 10 })).toEqual(history);
    expect(await m.readStream('beto', 0, 100)).toEqual({ events: [], last: 0 });
  });

  it('when sends race the recipient deleting their account, then each lands before the deletion or is refused, never after', async () => {
    const sut = await fresh(kind);
    const m = sut.store.messages;
    await withUsers(sut.store, 'ana', 'beto');
    const deleter = kind === 'postgres' ? await sut.open() : sut.store;
    let done = false;
    const deletion = deleter.deleteAccount('beto').finally(() => (done = true));
    const outcomes: string[] = [];
    for (let i = 0; !done || i < 3; i++) {
      // The text store answers 503 while usuarios.txt is rewritten for the tombstone: nothing stored either.
      const r = await m.tryAppend({ from: 'ana', to: 'beto', content: `m${i}` }).catch(() => ({ kind: 'unavailable' }));
      outcomes.push(r.kind);
      // A refusal may come without any I/O: the deletion's own writes get their turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await deletion).toEqual({ kind: 'deleted', grew: [] });
    expect(outcomes.join(' ')).toMatch(/^(created )*(unavailable )*(recipient_deleted ?)+$/);
    const created = outcomes.filter((k) => k === 'created').length;
    expect((await m.history('ana', { limit: 1000 })).messages).toHaveLength(created);
    expect((await m.readStream('beto', 0, 1000)).events).toEqual([]);
  });

  it('when the generated session secret is asked for twice, then it is created once and kept', async () => {
    const { store, open: reopen } = await fresh(kind);
    const first = await store.sessions.generatedSecret();
    expect(first.created).toBe(true);
    if (kind === 'text') await store.close();
    const again = await (kind === 'text' ? await reopen() : store).sessions.generatedSecret();
    expect(again).toEqual({ secret: first.secret, created: false });
  });
});
