import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { REPO_ROOT } from '../../repo-root.js';
import type { AccountDeletion, SessionRepository, Store, StreamListener, TokenKey } from '../store.js';
import { Db, isUnavailable } from './db.js';
import { migrate } from './migrate.js';
import { PgMessages } from './pg-messages.js';
import { HashedSidStore, pgSessions } from './pg-sessions.js';
import { PgUsers } from './pg-users.js';
import { StreamNotifications } from './stream-notifications.js';
import { PgProfiles } from './pg-profiles.js';
import { PgRateLimits } from './pg-rate-limits.js';
import { PgSignals } from './pg-signals.js';
import { PgAttachments } from './pg-attachments.js';
import { PgPush } from './pg-push.js';
import { PgBlocks } from './pg-blocks.js';

export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'migrations');

export interface PostgresStoreOptions {
  /** postgres://user@host:port/db; `?options=-c search_path=<schema>` puts the tables in another schema. */
  url: string;
  poolSize: number;
  log: Logger;
  /** Lifetime of a session that has no cookie expiry. */
  sessionTtlMs: number;
  now?: () => Date;
  /** Called for each query that failed because the database was unreachable (metrics). */
  onUnavailable?: (err: unknown) => void;
}

/** Waiting longer than this for a pooled connection means the database is in trouble: answer 503. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The store for several Papo processes on one PostgreSQL (issue #5): the same contract and behaviour as
 * the text store, with the database as the single source of order (one sequence, see papo_lock_seq) and
 * LISTEN/NOTIFY to wake the long-polls the other processes hold (this one's are woken by the domain).
 */
export class PostgresStore implements Store {
  readonly users: PgUsers;
  readonly messages: PgMessages;
  readonly sessions: SessionRepository;
  readonly rateLimits: PgRateLimits;
  readonly profiles: PgProfiles;
  readonly signals: PgSignals;
  readonly attachments: PgAttachments;
  readonly push: PgPush;
  readonly blocks: PgBlocks;
  private readonly listeners = new Set<StreamListener>();
  private notifications: StreamNotifications | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: Db,
    { epoch, tokenKey }: PreparedSchema,
    private readonly sessionStore: HashedSidStore,
    private readonly now: () => Date,
    log: Logger,
  ) {
    this.users = new PgUsers(db, sessionStore.channel, (username) => sessionStore.endedAllOf(username));
    this.messages = new PgMessages(db, epoch, now, tokenKey);
    this.sessions = pgSessions(db, sessionStore);
    this.rateLimits = new PgRateLimits(db);
    this.profiles = new PgProfiles(db);
    this.signals = new PgSignals(db, sessionStore.channel, log);
    this.attachments = new PgAttachments(db);
    this.push = new PgPush(db, sessionStore.channel);
    // Subscriptions go with their sessions, here or on another process (an account deletion says nothing else).
    sessionStore.onEnded({ ended: (keys) => this.push.sessionsEnded(keys), held: () => [] });
    this.blocks = new PgBlocks(db);
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const connection: pg.ClientConfig = { connectionString: options.url };
    // Names this process in the NOTIFY of each commit it makes (migrations/016_wake_in_domain.sql): it woke its
    // own polls already, and its listener skips them.
    const origin = `papo-${randomBytes(6).toString('hex')}`;
    const pool = new pg.Pool({
      ...connection,
      max: options.poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: origin,
    });
    // An idle pooled connection that the server drops emits 'error' on the pool: without a handler the
    // process would exit. The pool replaces it on the next query.
    pool.on('error', (err) => options.log.warn({ err }, 'an idle PostgreSQL connection failed'));
    try {
      const prepared = await waitForDatabase(() => prepareSchema(pool, options.log), options.log);
      const { schema } = prepared;
      const db = new Db(pool, (err) => options.onUnavailable?.(err));
      const channel = `papo:${schema}`;
      const sessionStore = new HashedSidStore(db, options.sessionTtlMs, options.log, channel);
      const store = new PostgresStore(db, prepared, sessionStore, options.now ?? (() => new Date()), options.log);
      // Messages from before search existed get their folded words once (migrations/010_message_changes.sql).
      const backfilled = await store.messages.changes.backfillSearchText();
      if (backfilled > 0) options.log.info({ messages: backfilled }, 'indexed older messages for search');
      store.notifications = new StreamNotifications({
        connection: { ...connection, application_name: `papo-listen ${schema}`.slice(0, 63) },
        channel,
        origin,
        log: options.log,
        wake: (users) => store.grewElsewhere(users),
        usersWithEventsAfter: async (after) =>
          (await db.query<{ username: string }>('SELECT DISTINCT username FROM events WHERE seq > $1', [after])).map((r) => r.username),
        highestSeq: async () => Number((await db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM events'))[0]?.seq ?? 0),
        sessionsEnded: (keys) => sessionStore.ended(keys),
        recheckSessions: () => sessionStore.recheck(),
        listening: (on) => {
          sessionStore.listening(on);
          store.push.listening(on);
        },
        pushChanged: (users) => store.push.changed(users),
        signal: (words) => store.signals.heard(words),
      });
      await store.notifications.start().catch(async (err: unknown) => {
        await sessionStore.close();
        throw err;
      });
      return store;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  deleteAccount(username: string): Promise<AccountDeletion> {
    return this.users.deleteAccount(username, this.now());
  }

  onStreamsGrewElsewhere(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pool use and the statements sent so far, for /metrics. */
  poolStats(): { total: number; idle: number; waiting: number; max: number; queries: number } {
    const { pool } = this.db;
    return {
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: pool.options.max ?? 10,
      queries: this.db.queries,
    };
  }

  /** The LISTEN connection, for tests: how many times it came back. */
  get listenReconnects(): number {
    return this.notifications?.reconnectCount ?? 0;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.notifications?.close();
      await this.sessionStore.close();
      await this.attachments.close();
      // Waits for the queries in flight to finish and their connections to come back.
      await this.db.pool.end();
    })();
    return this.closing;
  }

  private grewElsewhere(users: readonly string[]): void {
    for (const listener of this.listeners) listener(users);
  }
}

/** A database still starting (deployed together with Papo) is waited for this long before giving up. */
const START_WAIT_MS = 30_000;

async function waitForDatabase<T>(attempt: () => Promise<T>, log: Logger): Promise<T> {
  const deadline = Date.now() + START_WAIT_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 4000)) {
    try {
      return await attempt();
    } catch (err) {
      if (!isUnavailable(err) || Date.now() + delay > deadline) throw err;
      log.warn({ err: (err as Error).message, retryInMs: delay }, 'PostgreSQL is not reachable yet; waiting for it');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

interface PreparedSchema {
  /** The schema the tables are in. */
  schema: string;
  epoch: string;
  tokenKey: TokenKey & { created: boolean };
}

/** Runs the migrations; returns the schema, the data set's epoch and the key of its ids and cursors. */
async function prepareSchema(pool: pg.Pool, log: Logger): Promise<PreparedSchema> {
  const client = await pool.connect();
  try {
    await migrate(client, MIGRATIONS_DIR, log);
    const [row] = (
      await client.query<{ schema: string; epoch: string; o_key: string; o_legacy_ids_up_to: string; o_created: boolean }>(
        "SELECT current_schema() AS schema, (SELECT value FROM papo_meta WHERE key = 'epoch') AS epoch, k.* FROM papo_token_key() k",
      )
    ).rows;
    if (!row) throw new Error('could not read papo_meta');
    const unfinished = (await client.query<{ value: string }>("SELECT value FROM papo_meta WHERE key = 'import_unfinished'")).rows[0];
    if (unfinished !== undefined) {
      // Half a copy would look like a data set that lost messages, files and blocks (api/store/migrate/).
      throw new Error(
        `this database holds an unfinished copy of data set ${unfinished.value} (npm run migrate-data stopped before its end): run it again to finish it`,
      );
    }
    if (!/^[0-9a-f]{32}$/.test(row.o_key)) throw new Error("papo_meta's token_key is damaged: delete that row to make a new key");
    const tokenKey = { key: Buffer.from(row.o_key, 'hex'), legacyIdsUpTo: Number(row.o_legacy_ids_up_to), created: row.o_created };
    return { schema: row.schema, epoch: row.epoch, tokenKey };
  } finally {
    client.release();
  }
}
