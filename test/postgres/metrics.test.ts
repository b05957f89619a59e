import { describe, expect, it } from 'vitest';
import { STORES, testServers } from '../support/server.js';
import { heldPolls, metricIn } from '../support/metrics.js';
import { Client } from './processes.js';

const servers = testServers();
async function login(base: string, username: string): Promise<Client> {
  const c = new Client(base);
  expect((await c.call('POST', '/api/session', { username, password: 'correct horse battery' })).status).toBe(201);
  return c;
}

describe.each(STORES)('GET /metrics (%s)', (store) => {
  it('when a message is sent and received, then the counters, histograms and gauges say so', async () => {
    const s = await servers.start({ store });
    const alice = await login(s.url, 'alice');
    const bob = await login(s.url, 'bob');
    const held = bob.call('GET', '/api/messages?wait=10');
    await expect.poll(() => heldPolls(s.url)).toBe(1);
    expect((await alice.call('POST', '/api/messages', { to: 'bob', content: 'hi' })).status).toBe(201);
    expect((await held).body.events).toHaveLength(1);

    const res = await fetch(`${s.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(metricIn(text, 'papo_messages_sent_total')).toBe(1);
    expect(metricIn(text, 'papo_send_duration_seconds_count')).toBe(1);
    expect(metricIn(text, 'papo_delivery_latency_seconds_count')).toBe(1);
    expect(metricIn(text, 'papo_held_polls')).toBe(0);
    expect(metricIn(text, 'papo_store_errors_total')).toBe(0);
    if (store === 'postgres') {
      expect(metricIn(text, 'papo_db_pool_connections{state="max"}')).toBe(10);
      // Round trips are counted: another send adds at least its own statement.
      const before = metricIn(text, 'papo_db_queries_total') ?? 0;
      expect(before).toBeGreaterThan(0);
      expect((await alice.call('POST', '/api/messages', { to: 'bob', content: 'again' })).status).toBe(201);
      expect(metricIn(await (await fetch(`${s.url}/metrics`)).text(), 'papo_db_queries_total')).toBeGreaterThan(before);
    } else {
      expect(text).not.toContain('papo_db_queries_total');
    }
  });
});
