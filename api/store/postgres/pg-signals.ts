import { randomBytes } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { Signal, SignalChannel } from '../store.js';
import type { Db } from './db.js';

/** What a NOTIFY carrying a signal starts with: `sig <origin> <kind> ...` (the stream's own say `<seq>@<origin> <user>...`). */
export const SIGNAL_PAYLOAD = 'sig';

/**
 * Signals between the processes serving one database (issue #19, items 10 and 11), on the store's NOTIFY
 * channel: never stored, so a process that is not listening at that moment misses them, which is what an
 * ephemeral signal may do. The sending process hears its own at once, and ignores its NOTIFY when it comes
 * back (`origin`), so a typing signal is not delivered twice.
 */
export class PgSignals implements SignalChannel {
  private readonly listeners = new Set<(signal: Signal, local: boolean) => void>();
  private readonly origin = randomBytes(6).toString('hex');

  constructor(
    private readonly db: Db,
    private readonly channel: string,
    private readonly log: Logger,
  ) {}

  async publish(signal: Signal): Promise<void> {
    this.deliver(signal, true);
    const words = signal.kind === 'typing' ? [signal.from, signal.to] : [signal.user, String(signal.at)];
    await this.db.query('SELECT pg_notify($1, $2)', [this.channel, [SIGNAL_PAYLOAD, this.origin, signal.kind, ...words].join(' ')]);
  }

  subscribe(listener: (signal: Signal, local: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A NOTIFY's words after `sig`, from stream-notifications.ts. */
  heard(words: readonly string[]): void {
    const [origin, kind, a, b] = words;
    if (origin === this.origin || a === undefined || b === undefined) return;
    if (kind === 'typing') this.deliver({ kind, from: a, to: b }, false);
    else if (kind === 'seen' && /^\d{1,15}$/.test(b)) this.deliver({ kind, user: a, at: Number(b) }, false);
    else this.log.warn({ kind }, 'an unknown signal on the NOTIFY channel');
  }

  private deliver(signal: Signal, local: boolean): void {
    for (const listener of this.listeners) listener(signal, local);
  }
}
