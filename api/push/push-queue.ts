/** How a job was taken. */
export type Enqueued = 'queued' | 'merged' | 'dropped';

export interface PushQueueOptions<J> {
  /** Jobs waiting at most; one more is dropped (and counted), so a stuck push service cannot grow memory. */
  capacity: number;
  /** Jobs running at once (each may wait on a slow push service and its retries). */
  concurrency: number;
  run: (job: J) => Promise<void>;
  /** A job's run threw: it is logged and forgotten (a push is a hint; the message itself is durable). */
  failed: (job: J, err: unknown) => void;
}

/**
 * The bounded queue between a durable message and its push (issue #17). `add` returns at once whatever the
 * push services do, so a slow or black-holed one never slows a send: at worst the queue fills and new jobs
 * are dropped. Jobs with the same key (one conversation's recipient and sender) that have not started yet
 * merge into the newest: a burst of messages becomes one push, whose payload carries the count.
 */
export class PushQueue<J> {
  private readonly waiting = new Map<string, J>();
  private running = 0;
  private idle: (() => void)[] = [];
  /** Jobs dropped because the queue was full, since start. */
  dropped = 0;

  constructor(private readonly options: PushQueueOptions<J>) {}

  get size(): number {
    return this.waiting.size;
  }

  add(key: string, job: J): Enqueued {
    let taken: Enqueued;
    if (this.waiting.has(key)) {
      // The merged job goes to the back: it is the newest message of its conversation.
      this.waiting.delete(key);
      taken = 'merged';
    } else if (this.waiting.size >= this.options.capacity) {
      this.dropped++;
      return 'dropped';
    } else {
      taken = 'queued';
    }
    this.waiting.set(key, job);
    this.pump();
    return taken;
  }

  /** Resolves once nothing waits or runs (shutdown, tests). */
  drained(): Promise<void> {
    if (this.running === 0 && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Forgets what waits (shutdown): those pushes are not sent. */
  clear(): void {
    this.waiting.clear();
    this.settle();
  }

  private pump(): void {
    while (this.running < this.options.concurrency) {
      const first = this.waiting.entries().next();
      if (first.done) break;
      const [key, job] = first.value;
      this.waiting.delete(key);
      this.running++;
      void this.options
        .run(job)
        .catch((err: unknown) => this.options.failed(job, err))
        .finally(() => {
          this.running--;
          this.pump();
          this.settle();
        });
    }
  }

  private settle(): void {
    if (this.running > 0 || this.waiting.size > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
