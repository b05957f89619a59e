import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PollResponse } from './contract.js';

/** Connection-pool figures of a store that has one (PostgreSQL). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
  /** Statements sent to PostgreSQL since start (Db.queries). */
  queries: number;
}

export interface MetricsSources {
  heldPolls: () => number;
  pool?: () => PoolStats;
}

/**
 * Prometheus metrics (issue #5: operators of several processes need to see them), on a registry of its own
 * so that several servers in one test process do not collide. On the hot path it costs a timestamp and a
 * 'finish' listener per send, and a loop over the events of each poll answer (the message routes call it:
 * MessageObserver); gauges are read only when Prometheus scrapes.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly messages = new Counter({
    name: 'papo_messages_sent_total',
    help: 'Messages accepted (201); rate() of it is messages per second.',
    registers: [this.registry],
  });
  private readonly sendSeconds = new Histogram({
    name: 'papo_send_duration_seconds',
    help: 'POST /api/messages, request to response (the message is durable when it answers).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly deliverySeconds = new Histogram({
    name: 'papo_delivery_latency_seconds',
    help: "From a message's sentAt to the poll answer that hands it to its recipient.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
    registers: [this.registry],
  });
  private readonly storeErrors = new Counter({
    name: 'papo_store_errors_total',
    help: 'Store operations that failed because the database (or disk) was unavailable (503).',
    registers: [this.registry],
  });

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'papo_process_' });
    new Gauge({
      name: 'papo_held_polls',
      help: 'Long-polls this process is holding.',
      registers: [this.registry],
      collect() {
        this.set(sources.heldPolls());
      },
    });
    const pool = sources.pool;
    if (pool) {
      new Gauge({
        name: 'papo_db_pool_connections',
        help: 'PostgreSQL pool: connections open, idle, and queries waiting for one; max is PG_POOL_SIZE.',
        labelNames: ['state'],
        registers: [this.registry],
        collect() {
          const s = pool();
          this.set({ state: 'total' }, s.total);
          this.set({ state: 'idle' }, s.idle);
          this.set({ state: 'waiting' }, s.waiting);
          this.set({ state: 'max' }, s.max);
        },
      });
      let counted = 0;
      new Counter({
        name: 'papo_db_queries_total',
        help: 'Statements sent to PostgreSQL, each a round trip; divided by papo_messages_sent_total, the round trips a message costs.',
        registers: [this.registry],
        collect() {
          // The store keeps the running total; the counter catches up with it when scraped.
          const total = pool().queries;
          this.inc(total - counted);
          counted = total;
        },
      });
    }
  }

  storeUnavailable(): void {
    this.storeErrors.inc();
  }

  /** A send answered 201 (a new message); `startedAt` is when its request came in (performance.now()). */
  sent(startedAt: number): void {
    this.messages.inc();
    this.sendSeconds.observe((performance.now() - startedAt) / 1000);
  }

  /** Hand-over latency of the messages a poll answer gives to their recipient `user`. */
  delivered(user: string, events: PollResponse['events']): void {
    const now = Date.now();
    for (const e of events) {
      if (e.type === 'message' && e.message.to === user) {
        this.deliverySeconds.observe(Math.max(0, now - Date.parse(e.message.sentAt)) / 1000);
      }
    }
  }

  /** GET /metrics in the Prometheus text format. */
  readonly handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', this.registry.contentType);
    res.send(await this.registry.metrics());
  };
}
