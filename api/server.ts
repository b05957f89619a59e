import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { RequestListener } from 'node:http';
import type { RequestHandler } from 'express';
import { createAccounts } from './accounts/accounts.js';
import { createDeviceTokens } from './accounts/device-token.js';
import { createLoginLimits, MemoryRateLimits } from './accounts/login-limits.js';
import { createPasswordHasher } from './accounts/password-hasher.js';
import { createApp, type AppDeps } from './app.js';
import { createAttachments } from './attachments/attachments.js';
import { sweepAttachments } from './attachments/attachment-sweep.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { LongPollHub } from './messaging/long-poll.js';
import { createMessaging } from './messaging/messaging.js';
import { REPO_ROOT } from './repo-root.js';
import { PresenceTracker } from './profiles/presence.js';
import { createProfiles } from './profiles/profiles.js';
import { TYPING_SECONDS } from './profiles/typing-limiter.js';
import { createPush, withPush, type Push, type PushOptions } from './push/push.js';
import { openStore, usesPostgres } from './store/open-store.js';
import { PostgresStore } from './store/postgres/postgres-store.js';
import { dataLayout } from './store/text/data-layout.js';

export const SPEC_PATH = path.join(REPO_ROOT, 'openapi.yaml');

export interface RunningServer {
  server: Server;
  url: string;
  /** Web Push: what the pushes came to, and a way to wait for those queued (tests, benchmarks). */
  push: Pick<Push, 'outcomes' | 'drained'>;
  /** Stops accepting, answers every held poll (empty), finishes the writes in flight, releases the data folder. */
  close(): Promise<void>;
}

/** The long-poll may hold a request 50 s; the request timeout must outlast it. */
const REQUEST_TIMEOUT_MS = 65_000;
/** How long shutdown waits for answers in progress before cutting connections. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Slow-header clients are cut off after this. */
const HEADERS_TIMEOUT_MS = 10_000;
/**
 * How often Node checks the two timeouts above. Its default (30 s) lets a slow-header client hold its
 * connection up to 40 s instead of 10 (test/security/slow-clients.test.ts).
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * A device whose poll was answered this recently is polling again (the PWA polls at once after each answer):
 * it received the message live, so it gets no push (issue #17).
 */
const LIVE_GRACE_MS = 5000;

/** VAPID_SUBJECT, else the public origin when it is https, else a placeholder push services may refuse (README). */
function vapidSubject(config: Readonly<Config>): string {
  return config.VAPID_SUBJECT ?? config.PUBLIC_ORIGIN?.find((o) => o.startsWith('https://')) ?? 'mailto:papo@localhost';
}

export interface ServerOptions {
  /** Serves the PWA at `/`. */
  pwa?: RequestHandler;
  /**
   * Builds the request listener from the server's parts; `createApp` unless given. The fast path's parity
   * tests (test/http/fast-path/) build a second one, without the fast path, on the same parts.
   */
  app?: (deps: AppDeps) => RequestListener;
  /** Web Push tuning: tests trust their push-service stand-in (`agent`) and shorten the retries. */
  push?: Partial<Pick<PushOptions, 'agent' | 'attempts' | 'retryBaseMs' | 'timeoutMs' | 'queueCapacity' | 'concurrency'>> & {
    /** A device whose poll was answered less than this ago counts as live (LongPollHub.isLive). */
    liveGraceMs?: number;
  };
}

export async function startServer(config: Readonly<Config>, log: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const hasher = createPasswordHasher(config.BCRYPT_COST);
  // Assigned once the store and the hub exist; the store's outage hook, which reads it, can only fire later.
  // eslint-disable-next-line prefer-const
  let metrics: Metrics | undefined;
  const store = await openStore(config, log, (plain) => hasher.hash(plain), { onUnavailable: () => metrics?.storeUnavailable() }).catch(
    async (err: unknown) => {
      await hasher.close();
      throw err;
    },
  );
  let secrets = config.SESSION_SECRET;
  if (!secrets) {
    const generated = await store.sessions.generatedSecret();
    if (generated.created) {
      const where = usesPostgres(config) ? 'in the database' : `in ${dataLayout(config.DATA_DIR).sessionSecret}`;
      log.info(`no SESSION_SECRET set: generated one and kept it ${where}`);
    }
    secrets = [generated.secret];
  }
  const tokenKey = await store.messages.tokenKey();
  if (tokenKey.created) {
    const where = usesPostgres(config) ? 'in the database' : `in ${dataLayout(config.DATA_DIR).tokenKey}`;
    // On data that already holds messages this is the upgrade to opaque ids, or a lost key: cursors and ids
    // made with a previous key now fail cleanly (410, 404) and clients reload (docs/storage.md).
    log.info({ legacyIdsUpTo: tokenKey.legacyIdsUpTo }, `generated the key of message ids and cursors and kept it ${where}`);
  }
  // The hub tells the presence tracker who polls; the tracker asks the hub who holds a poll now.
  // eslint-disable-next-line prefer-const
  let presence: PresenceTracker | undefined;
  const hub = new LongPollHub({ perUser: config.MAX_POLLS_PER_USER, total: config.MAX_HELD_POLLS }, (user) => presence?.active(user));
  presence = new PresenceTracker(store, (user) => hub.isHolding(user), log);
  presence.start();
  const tracker = presence;
  // The domain wakes the polls held here once its writes are durable (api/messaging/messaging.ts); this is
  // the path from the other processes serving the same PostgreSQL (NOTIFY). The text store never calls it.
  store.onStreamsGrewElsewhere((users) => hub.wake(users));
  // Typing goes to the peer's held polls only; `seen` says who is online on the other processes (issue #19).
  store.signals.subscribe((signal, local) => {
    if (signal.kind === 'typing') hub.signal(signal.to, { type: 'typing', from: signal.from, seconds: TYPING_SECONDS });
    else if (!local) tracker.heard(signal.user, signal.at);
  });
  store.sessions.onSessionsEnded({ ended: (keys) => hub.endSessions(keys), held: () => hub.heldSessions() });
  const vapid = await store.push.vapidKeys();
  if (vapid.created) {
    const where = usesPostgres(config) ? 'in the database' : `in ${dataLayout(config.DATA_DIR).vapidKeys}`;
    log.info(`generated the VAPID keys of Web Push and kept them ${where}`);
  }
  const push = createPush({
    store,
    vapid,
    subject: vapidSubject(config),
    preview: config.PUSH_PREVIEW,
    allowedHosts: config.PUSH_SERVICE_HOSTS,
    limitPerUser: config.PUSH_SUBSCRIPTIONS_PER_USER,
    isLive: (user, session) => hub.isLive(user, session, options.push?.liveGraceMs ?? LIVE_GRACE_MS),
    log,
    ...options.push,
  });
  // A session that ends in any way (logout here or on another process, a password change) takes its device's
  // push subscription along: a logged-out phone must not keep showing messages.
  store.sessions.onSessionsEnded({
    ended: (keys) =>
      void push.sessionsEnded(keys).catch((err: unknown) => log.warn({ err }, 'could not remove the push subscriptions of ended sessions')),
    held: () => [],
  });
  metrics = new Metrics({ heldPolls: () => hub.held, ...(store instanceof PostgresStore ? { pool: () => store.poolStats() } : {}) });
  let stopping = false;
  const attachments = createAttachments(store.attachments, { maxBytes: config.MAX_ATTACHMENT_MB * 1024 * 1024 });
  const stopSweeping = sweepAttachments(attachments, log);
  const app = (options.app ?? createApp)({
    store,
    accounts: createAccounts(
      store.users,
      hasher,
      createDeviceTokens(secrets),
      createLoginLimits(store.rateLimits ?? new MemoryRateLimits(), {
        failuresPerUsername: config.LOGIN_FAILURES_PER_USERNAME,
        failuresPerDevice: config.LOGIN_FAILURES_PER_DEVICE,
        failuresPerAddress: config.LOGIN_FAILURES_PER_ADDRESS,
        loginWindowMs: config.LOGIN_WINDOW_MINUTES * 60_000,
        signupsPerAddress: config.SIGNUPS_PER_ADDRESS,
        signupWindowMs: config.SIGNUP_WINDOW_MINUTES * 60_000,
      }),
      { store, wake: (users) => hub.wake(users) },
    ),
    messaging: withPush(
      createMessaging(store, hub, tokenKey, { editMinutes: config.EDIT_WINDOW_MINUTES, deleteHours: config.DELETE_WINDOW_HOURS }),
      push,
    ),
    profiles: createProfiles(store, tracker),
    attachments,
    push,
    log,
    sessionSecrets: secrets,
    sessionIdleDays: config.SESSION_IDLE_DAYS,
    sessionMaxDays: config.SESSION_MAX_DAYS,
    sessionsPerUser: config.SESSIONS_PER_USER,
    trustProxy: config.TRUST_PROXY,
    publicOrigins: config.PUBLIC_ORIGIN,
    specPath: SPEC_PATH,
    isStopping: () => stopping,
    metrics,
    ...(options.pwa ? { pwa: options.pwa } : {}),
  });
  const timeouts = {
    requestTimeout: REQUEST_TIMEOUT_MS,
    headersTimeout: HEADERS_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  };
  const tls =
    config.TLS_CERT && config.TLS_KEY ? { cert: await readFile(config.TLS_CERT), key: await readFile(config.TLS_KEY) } : undefined;
  const server: Server = tls ? createHttpsServer({ ...timeouts, ...tls }, app) : createServer(timeouts, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  return {
    server,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    push,
    async close() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.shutdown();
      // The answered polls leave keep-alive connections idle a moment later: close them as they go idle,
      // and cut whatever is still open after the grace period.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      server.closeIdleConnections();
      await closed;
      clearInterval(sweep);
      clearTimeout(deadline);
      await tracker.close();
      await stopSweeping();
      await push.close();
      await store.close();
      await hasher.close();
    },
  };
}
