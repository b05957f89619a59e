/**
 * The traffic the messaging scenarios share: recipients that keep a long-poll held and re-poll with their
 * cursor (which acknowledges, as a phone does), and senders, open-loop at a rate or closed-loop as fast as
 * answers come. Each message's content carries its number, so its delivery is timed from the start of its
 * send to the poll answer that hands it over, whichever of the 201 or the delivery comes first.
 */
import type { ApiClient } from './client.js';
import type { SeededUser } from './seed.js';
import { sleep } from './scenario.js';

const POLL_WAIT_SECONDS = 25;

export class Traffic {
  /** Send start time of message n (performance.now()). */
  private readonly started = new Map<number, number>();
  readonly sendLatency: number[] = [];
  /** Delivery latency, with the send start of each, to split a run into phases. */
  readonly deliveries: { at: number; ms: number }[] = [];
  /**
   * From the sender's 201 to the poll answer that hands the message over (issue #20: the wake across two
   * processes on PostgreSQL). A message handed over before its 201 arrived counts as 0 and in `wokeBefore201`.
   */
  readonly wakes: number[] = [];
  wokeBefore201 = 0;
  /** When the 201 of a message not yet delivered arrived; and the messages delivered before their 201. */
  private readonly answered = new Map<number, number>();
  private readonly early = new Set<number>();
  sent = 0;
  created = 0;
  errors = 0;
  readonly errorSamples: string[] = [];
  private next = 0;
  private readonly stopPolls = new AbortController();
  private pollers: Promise<void>[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly senders: readonly SeededUser[],
    private readonly recipients: readonly SeededUser[],
  ) {}

  get delivered(): number {
    return this.deliveries.length;
  }

  /** Starts one held poll per recipient and resolves once the server holds them all. */
  async startPollers(): Promise<void> {
    this.pollers = this.recipients.map((r) => this.pollLoop(r));
    for (let i = 0; i < 1000; i++) {
      if ((await this.client.heldPolls()) >= this.recipients.length) return;
      await sleep(20);
    }
    throw new Error('the server never held every poll');
  }

  async stopPollers(): Promise<void> {
    this.stopPolls.abort();
    await Promise.all(this.pollers);
  }

  private error(what: string): void {
    this.errors++;
    if (this.errorSamples.length < 10) this.errorSamples.push(what);
  }

  private async pollLoop(user: SeededUser): Promise<void> {
    let cursor: string | undefined;
    while (!this.stopPolls.signal.aborted) {
      try {
        const { status, body } = await this.client.poll(user, cursor, POLL_WAIT_SECONDS, this.stopPolls.signal);
        const now = performance.now();
        if (status !== 200 || !body) {
          this.error(`poll ${status}`);
          await sleep(100);
          continue;
        }
        for (const e of body.events) {
          if (e.type !== 'message' || e.message.to !== user.username) continue;
          const n = Number(e.message.content.slice(e.message.content.lastIndexOf('#') + 1));
          const start = this.started.get(n);
          if (start === undefined) continue;
          this.started.delete(n);
          this.deliveries.push({ at: start, ms: now - start });
          const answeredAt = this.answered.get(n);
          if (answeredAt === undefined) this.early.add(n);
          else {
            this.answered.delete(n);
            this.wakes.push(now - answeredAt);
          }
        }
        cursor = body.cursor;
      } catch (err) {
        if (!this.stopPolls.signal.aborted) {
          this.error(`poll: ${(err as Error).message}`);
          await sleep(100);
        }
      }
    }
  }

  /** Sends message number `n` from a sender to a recipient picked round-robin. */
  async sendOne(): Promise<void> {
    const n = this.next++;
    const from = this.senders[n % this.senders.length];
    const to = this.recipients[n % this.recipients.length];
    if (!from || !to) throw new Error('no users');
    const start = performance.now();
    this.started.set(n, start);
    this.sent++;
    try {
      const { status } = await this.client.send(from, to.username, `bench message #${n}`);
      if (status === 201) {
        const now = performance.now();
        this.created++;
        this.sendLatency.push(now - start);
        if (this.early.delete(n)) {
          this.wakes.push(0);
          this.wokeBefore201++;
        } else this.answered.set(n, now);
      } else {
        this.started.delete(n);
        this.error(`send ${status}`);
      }
    } catch (err) {
      this.started.delete(n);
      this.error(`send: ${(err as Error).message}`);
    }
  }

  /** Open loop: `rate` sends a second for `seconds`, on schedule whether or not earlier ones answered. */
  async openLoop(rate: number, seconds: number, onTick?: (elapsedMs: number) => void): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const start = performance.now();
    let issued = 0;
    const total = Math.round(rate * seconds);
    while (issued < total) {
      const elapsed = performance.now() - start;
      onTick?.(elapsed);
      const due = Math.min(total, Math.floor((elapsed / 1000) * rate) + 1);
      while (issued < due) {
        const p = this.sendOne().finally(() => inFlight.delete(p));
        inFlight.add(p);
        issued++;
      }
      await sleep(1);
    }
    await Promise.all(inFlight);
  }

  /** Closed loop: `concurrency` senders, each sending again as soon as its 201 arrives. */
  async closedLoop(concurrency: number, seconds: number): Promise<void> {
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) await this.sendOne();
      }),
    );
  }

  /** Forgets what was measured so far (after a warm-up); errors are kept. */
  reset(): void {
    this.sendLatency.length = 0;
    this.deliveries.length = 0;
    this.wakes.length = 0;
    this.wokeBefore201 = 0;
    this.answered.clear();
    this.early.clear();
    this.started.clear();
    this.sent = 0;
    this.created = 0;
  }

  /** Waits until every message that got its 201 was handed to its recipient, or `timeoutMs` passed. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.delivered < this.created && performance.now() < deadline) await sleep(5);
  }
}
