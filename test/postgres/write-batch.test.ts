/**
 * A process's sends and acknowledgements share their batches (issue #20, migrations/023_write_batch.sql):
 * whatever arrives while one batch is in flight goes in the next, both kinds in one statement. Each item must
 * still get the outcome it would have had alone, and the sequence stay in commit order.
 */
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../api/store/postgres/postgres-store.js';
import { cleanupAfterEach } from '../support/after-each.js';
import { captureLog } from '../support/log.js';
import { BASE_DATABASE_URL, createTestSchema, dropTestSchema } from '../support/postgres.js';
import { HASH } from './helpers.js';

const defer = cleanupAfterEach();

async function openStore(): Promise<PostgresStore> {
  const { schema, url } = await createTestSchema();
  defer(() => dropTestSchema(schema));
  const store = await PostgresStore.open({ url, poolSize: 3, log: captureLog().logger, sessionTtlMs: 60_000 });
  defer(() => store.close());
  for (const username of ['alice', 'bob', 'carol']) expect(await store.users.create({ username, passwordHash: HASH })).toBe(true);
  return store;
}

describe.skipIf(!BASE_DATABASE_URL)('sends and acknowledgements batched together on PostgreSQL', () => {
  it('when sends and acknowledgements arrive together, then they share statements and each gets its own outcome', async () => {
    const store = await openStore();
    const messages = store.messages;
    const first = await messages.append({ from: 'alice', to: 'bob', content: 'one' });
    const second = await messages.append({ from: 'carol', to: 'bob', content: 'two' });
    const before = store.poolStats().queries;

    // The first item finds the batcher idle and goes alone; the rest wait for it and go together.
    const [sent, bobAck, carolAck, tooHigh, reply] = await Promise.all([
      messages.tryAppend({ from: 'alice', to: 'carol', content: 'three' }),
      messages.acknowledge('bob', second.message.seq),
      messages.acknowledge('carol', 0),
      messages.acknowledge('alice', 1_000_000),
      messages.tryAppend({ from: 'bob', to: 'alice', content: 'four', clientId: 'c-1' }),
    ]);

    expect(store.poolStats().queries - before).toBe(2);
    expect(sent.kind).toBe('created');
    expect(reply.kind).toBe('created');
    if (sent.kind !== 'created' || reply.kind !== 'created') return;
    expect(reply.message.seq).toBeGreaterThan(sent.message.seq);
    expect(reply.message.clientId).toBe('c-1');
    expect(bobAck).toEqual({ kind: 'acknowledged', senders: ['alice', 'carol'], newer: true });
    expect(carolAck.kind).toBe('acknowledged');
    expect(tooHigh).toEqual({ kind: 'not_handed_out' });

    // The acknowledgement's status events come after the batch's sends, in each sender's stream.
    const alice = await messages.readStream('alice', first.message.seq, 100);
    expect(alice.events).toContainEqual(expect.objectContaining({ type: 'status', messageSeq: first.message.seq, status: 'delivered' }));
    const bob = await messages.readStream('bob', second.message.seq, 100);
    expect(bob.events).toEqual([expect.objectContaining({ type: 'message', message: expect.objectContaining({ content: 'four' }) })]);
  });

  it('when a batch holds a send that fails, then every item in it fails and nothing of it is written', async () => {
    const store = await openStore();
    const messages = store.messages;
    const first = await messages.append({ from: 'alice', to: 'bob', content: 'one' });
    const blocker = messages.tryAppend({ from: 'alice', to: 'bob', content: 'two' });
    const results = await Promise.allSettled([
      blocker,
      // No such account: the foreign key refuses it, inside the shared statement.
      messages.tryAppend({ from: 'alice', to: 'nobody', content: 'lost?' }),
      messages.acknowledge('bob', first.message.seq),
    ]);
    expect(results[0]?.status).toBe('fulfilled');
    expect(results[1]?.status).toBe('rejected');
    expect(results[2]?.status).toBe('rejected');
    // The acknowledgement was not written: bob's messages are still undelivered, and acknowledging again works.
    const again = await messages.acknowledge('bob', first.message.seq);
    expect(again).toEqual({ kind: 'acknowledged', senders: ['alice'], newer: true });
  });
});
