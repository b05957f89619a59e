import pg from 'pg';
import type { Logger } from '../../logger.js';
import { quoteIdent } from './db.js';
import { SESSION_END_PAYLOAD } from './pg-sessions.js';
import { PUSH_PAYLOAD } from './pg-push.js';
import { SIGNAL_PAYLOAD } from './pg-signals.js';

export interface NotificationOptions {
  /** Connection settings of the pool, for the dedicated listening connection. */
  connection: pg.ClientConfig;
  channel: string;
  /** This process's name in the NOTIFYs of its own commits (`<seq>@<origin>`): it woke those polls itself. */
  origin: string;
  log: Logger;
  /** Users whose streams another process grew: wake their polls. */
  wake: (users: readonly string[]) => void;
  /** Users with events above `after`, read through the pool (the catch-up after a lost connection). */
  usersWithEventsAfter: (after: number) => Promise<string[]>;
  /** Highest sequence number committed so far. */
  highestSeq: () => Promise<number>;
  /** Sessions that ended on some process: end the polls they hold here (issue #15, item 5). */
  sessionsEnded: (keys: readonly string[]) => void;
  /** The catch-up for ended sessions after a lost connection: which of the sessions holding polls are gone. */
  recheckSessions: () => Promise<void>;
  /**
   * Whether every NOTIFY is heard from now on (true: connected and caught up) or some may be lost (false): what
   * a process keeps in memory on the strength of them is trusted only meanwhile (notified-cache.ts).
   */
  listening: (on: boolean) => void;
  /** Users whose push subscriptions changed (`push <user>...`, or `push *`: anyone's), pg-push.ts. */
  pushChanged: (users: readonly string[]) => void;
  /** Ephemeral signals (`sig ...`, pg-signals.ts): the words after `sig`. */
  signal: (words: readonly string[]) => void;
}

const MAX_BACKOFF_MS = 5000;

/**
 * LISTEN on one dedicated connection (a pooled one would be handed to queries): every process hears every
 * commit and wakes the polls it holds (issue #5, "no polling loops"). Its own commits it skips: the domain
 * woke those polls when the write resolved (issue #16); the NOTIFY names the process that wrote
 * (migrations/016_wake_in_domain.sql).
 *
 * When the connection drops, notifications sent meanwhile are lost. On reconnect it LISTENs first, then asks
 * which users had events above the last sequence number it heard, and wakes those: exactly the streams that
 * may have grown unheard, so every waiter that has something re-reads, and nobody else is disturbed (waking
 * "all users" would cost one stream read per held poll on every process at once, right when the database is
 * recovering). Notifications arrive in commit order, which is sequence order (see papo_lock_seq), so "the
 * last sequence number heard" is a sound place to resume from.
 *
 * The same channel says which sessions ended (`end <key>`, from HashedSidStore.destroy), so that a logout
 * through one process ends the polls held on every process (issue #15, item 5). After a reconnect, the
 * sessions holding polls here are looked up, and those no longer stored are ended: the ends missed meanwhile.
 */
export class StreamNotifications {
  private client: pg.Client | undefined;
  private lastSeq = 0;
  private closed = false;
  private reconnecting: Promise<void> | undefined;
  private reconnects = 0;

  constructor(private readonly options: NotificationOptions) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Times the connection was re-established (tests and metrics). */
  get reconnectCount(): number {
    return this.reconnects;
  }

  async start(): Promise<void> {
    await this.connect();
    this.lastSeq = Math.max(this.lastSeq, await this.options.highestSeq());
    if (this.client !== undefined) this.options.listening(true);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.listening(false);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.reconnecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.options.connection, keepAlive: true });
    client.on('notification', (n) => this.onNotification(n.payload ?? ''));
    client.on('error', (err) => {
      this.options.log.warn({ err }, 'the LISTEN connection to PostgreSQL failed');
      this.dropped(client);
    });
    client.on('end', () => this.dropped(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private onNotification(payload: string): void {
    const [head = '', ...users] = payload.split(' ');
    if (head === SESSION_END_PAYLOAD) return this.options.sessionsEnded(users);
    if (head === SIGNAL_PAYLOAD) return this.options.signal(users);
    if (head === PUSH_PAYLOAD) return this.options.pushChanged(users);
    const [seqText, origin] = head.split('@');
    const seq = Number(seqText);
    if (origin === this.options.origin) {
      // Written here: the domain woke these polls already.
    } else if (users[0] === '*') {
      void this.catchUp(this.lastSeq).catch((err: unknown) => this.options.log.warn({ err }, 'could not look up whom to wake'));
    } else if (users.length > 0) {
      this.options.wake(users);
    }
    if (Number.isSafeInteger(seq)) this.lastSeq = Math.max(this.lastSeq, seq);
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.options.listening(false);
    void client.end().catch(() => undefined);
    this.reconnecting ??= this.reconnect().finally(() => {
      this.reconnecting = undefined;
    });
  }

  private async reconnect(): Promise<void> {
    for (let delay = 100; !this.closed; delay = Math.min(delay * 2, MAX_BACKOFF_MS)) {
      try {
        await this.connect();
        if (this.closed) return;
        await this.catchUp(this.lastSeq);
        await this.options.recheckSessions();
        // Lost again while catching up: this loop is still the reconnect (dropped() starts none), so go round.
        if (this.client === undefined) throw new Error('the LISTEN connection dropped again while catching up');
        this.options.listening(true);
        this.reconnects++;
        this.options.log.info(
          { after: this.lastSeq },
          'LISTEN connection to PostgreSQL re-established; woke the streams that grew meanwhile',
        );
        return;
      } catch (err) {
        const client = this.client;
        this.client = undefined;
        await client?.end().catch(() => undefined);
        this.options.log.warn({ err, retryInMs: delay }, 'PostgreSQL still unreachable for LISTEN');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async catchUp(after: number): Promise<void> {
    const highest = await this.options.highestSeq();
    const users = await this.options.usersWithEventsAfter(after);
    this.lastSeq = Math.max(this.lastSeq, highest);
    if (users.length > 0) this.options.wake(users);
  }
}
