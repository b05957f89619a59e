import { existsSync } from 'node:fs';
import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';

/**
 * Configuration: environment variables only, read once at start into a frozen object, each with its default
 * and what it means. A bad value stops the server with a message naming the variable, never a stack trace.
 */
const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!/^-?\d+$/.test(v.trim()) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})` });
        return z.NEVER;
      }
      return n;
    });

const schema = z.object({
  /** TCP port to listen on; 0 picks a free one. */
  PORT: integer(0, 65535, 3000),
  /** Address to listen on. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** The data folder: usuarios.txt, mensagens.txt, historico/, sessions. */
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * Secret(s) that sign session cookies, comma-separated, each at least 32 characters. The first signs new
   * cookies; the others are still accepted, so a secret can be rotated without logging everyone out.
   * Absent: one is generated and kept in the data folder.
   */
  SESSION_SECRET: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const secrets = v.split(',').map((s) => s.trim());
      if (secrets.some((s) => s.length < 32)) {
        ctx.addIssue({ code: 'custom', message: 'each comma-separated secret must be at least 32 characters' });
        return z.NEVER;
      }
      return secrets;
    }),
  /** bcrypt cost for new password hashes (each step doubles the work). */
  BCRYPT_COST: integer(10, 15, 10),
  /** Days a session lasts without being used. */
  SESSION_IDLE_DAYS: integer(1, 3650, 30),
  /** Days a session lasts at most, however much it is used. */
  SESSION_MAX_DAYS: integer(1, 3650, 365),
  /** Sessions (logged-in devices) one user may have; a new login ends the least recently used one past it (issue #17). */
  SESSIONS_PER_USER: integer(1, 1000, 20),
  /** Minutes after sending during which the sender may edit a message (issue #18; WhatsApp's 15). */
  EDIT_WINDOW_MINUTES: integer(0, 5_256_000, 15),
  /** Hours after sending during which the sender may delete a message for everyone (issue #18; WhatsApp's about 48). */
  DELETE_WINDOW_HOURS: integer(0, 87_600, 48),
  /** Long-polls one user may hold at once; one more ends the oldest. */
  MAX_POLLS_PER_USER: integer(1, 100, 5),
  /** Long-polls the server holds at once; one more gets a 503. */
  MAX_HELD_POLLS: integer(1, 1_000_000, 15_000),
  /** The largest file one upload may be, in MB (issue #18); a bigger one is refused with 413. */
  MAX_ATTACHMENT_MB: integer(1, 1024, 25),
  /**
   * Express "trust proxy": `false` (default: clients connect directly), the proxies' addresses or subnets,
   * comma-separated (`loopback`, `10.0.0.5`, `10.0.0.0/8`), or how many proxies stand in front (a hop count).
   * `true` is refused (issue #15): it would believe the left-most X-Forwarded-For, which the client writes.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v.trim());
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed.value;
    }),
  /**
   * The origin(s) Papo is served at, comma-separated (`https://papo.example.com`): when set, a request for any
   * other Host, or from a page of any other Origin, is refused, on every path but /healthz (issue #15: DNS
   * rebinding). Unset: no host is refused.
   */
  PUBLIC_ORIGIN: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const origins: string[] = [];
      for (const entry of v.split(',').map((s) => s.trim())) {
        const origin = originOf(entry);
        if (origin === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `must be one or more origins, comma-separated, each scheme://host[:port] with no path (e.g. https://papo.example.com); got ${JSON.stringify(entry)}`,
          });
          return z.NEVER;
        }
        origins.push(origin);
      }
      return origins;
    }),
  /** Which store: `text` (the data folder) or `postgres`. Unset: `postgres` when DATABASE_URL is set, else `text`. */
  STORE: z.enum(['text', 'postgres']).optional(),
  /**
   * PostgreSQL for several processes (docs/postgres.md): `postgres://user:password@host:5432/db`; add
   * `?options=-c%20search_path%3D<schema>` to keep the tables in a schema of your choosing.
   */
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
  /** Connections each process opens to PostgreSQL at most (plus one for LISTEN). */
  PG_POOL_SIZE: integer(1, 1000, 10),
  /**
   * Failed logins one username may have per LOGIN_WINDOW_MINUTES from all the clients without a device cookie
   * for it, from any address, together (0: no limit). Devices that logged in to it before count on their own.
   */
  LOGIN_FAILURES_PER_USERNAME: integer(0, 1_000_000, 10),
  /** Failed logins per LOGIN_WINDOW_MINUTES of one device that logged in to the username before (0: no limit). */
  LOGIN_FAILURES_PER_DEVICE: integer(0, 1_000_000, 10),
  /** Failed logins one client address may have per LOGIN_WINDOW_MINUTES (0: no limit). */
  LOGIN_FAILURES_PER_ADDRESS: integer(0, 1_000_000, 100),
  /** The window of the login limits, in minutes. */
  LOGIN_WINDOW_MINUTES: integer(1, 100_000, 15),
  /** New accounts one client address may create per SIGNUP_WINDOW_MINUTES (0: no limit). */
  SIGNUPS_PER_ADDRESS: integer(0, 1_000_000, 100),
  /** The window of the sign-up limit, in minutes. */
  SIGNUP_WINDOW_MINUTES: integer(1, 100_000, 60),
  /**
   * Serve HTTPS directly: paths of a PEM certificate (with its chain) and its private key, both or neither.
   * A phone installs a PWA only over HTTPS; behind a TLS proxy leave these unset and set TRUST_PROXY.
   */
  TLS_CERT: z.string().optional(),
  TLS_KEY: z.string().optional(),
  /**
   * Web Push (issue #17): who runs this server, as a push service may need to reach them, `mailto:` an address
   * or an `https://` URL. It goes, signed, in every push (the VAPID `sub` claim). Apple's push service refuses
   * pushes without a real one. Unset: the first PUBLIC_ORIGIN when it is https, else mailto:papo@localhost.
   */
  VAPID_SUBJECT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const subject = v.trim();
      if (!isVapidSubject(subject)) {
        ctx.addIssue({ code: 'custom', message: `must be mailto:<address> or an https:// URL (got ${JSON.stringify(v)})` });
        return z.NEVER;
      }
      return subject;
    }),
  /**
   * What a push notification shows: `full` the sender's name and the text, `sender` only who wrote, `none`
   * only that a message came. The payload is encrypted to the device either way; this is for lock screens.
   */
  PUSH_PREVIEW: z.enum(['full', 'sender', 'none']).default('full'),
  /**
   * The push services subscriptions may point at, comma-separated host names, `*.` for any subdomain: the
   * server sends requests to these URLs on a user's word, so no other host (an address inside your network)
   * is accepted. The default covers Chrome/Android (FCM), Firefox (Mozilla), Safari/iOS (Apple) and Edge.
   */
  PUSH_SERVICE_HOSTS: z
    .string()
    .default('fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== ''),
    ),
  /** Push subscriptions (devices with notifications on) one user may have. */
  PUSH_SUBSCRIPTIONS_PER_USER: integer(1, 1000, 20),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.output<typeof schema>;

/** The configuration's problems: one line when there is one (a command-line tool fails with one plain line). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0] ?? ''}`
        : `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  }
  const raw = parsed.data;
  if (raw.STORE === 'postgres' && raw.DATABASE_URL === undefined) throw new ConfigError(['STORE is postgres, so DATABASE_URL must be set']);
  const tlsProblems = checkTls(raw.TLS_CERT, raw.TLS_KEY);
  if (tlsProblems.length > 0) throw new ConfigError(tlsProblems);
  return Object.freeze({ ...raw, DATA_DIR: path.resolve(raw.DATA_DIR) });
}

function checkTls(cert: string | undefined, key: string | undefined): string[] {
  if ((cert === undefined) !== (key === undefined)) return ['TLS_CERT and TLS_KEY go together: set both, or neither'];
  return [cert, key].flatMap((file, i) =>
    file === undefined || existsSync(file) ? [] : [`${i === 0 ? 'TLS_CERT' : 'TLS_KEY'} names a file that does not exist: ${file}`],
  );
}

/** A VAPID subject as RFC 8292 section 2.1 takes it: a mailto: address or an https URL. */
function isVapidSubject(text: string): boolean {
  if (/^mailto:[^@\s]+@[^@\s]+$/i.test(text)) return true;
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/** An origin as the operator writes it, in the form browsers send (lower case, no default port); else undefined. */
function originOf(text: string): string | undefined {
  if (!/^https?:\/\/[^/?#@]+\/?$/i.test(text)) return undefined;
  try {
    return new URL(text).origin;
  } catch {
    return undefined;
  }
}

const TRUST_PROXY_TRUE =
  'is true, which would believe whatever a client writes in X-Forwarded-For (any limit per address could be bypassed); ' +
  "give the proxy's address(es) instead (e.g. TRUST_PROXY=loopback or TRUST_PROXY=10.0.0.5), or its hop count (TRUST_PROXY=1: one proxy in front)";

/**
 * TRUST_PROXY as Express's "trust proxy" takes it: false, a hop count, or addresses/subnets (a string Express
 * compiles with proxy-addr, as it does here: a value it would throw on at start is refused with its name).
 */
function parseTrustProxy(value: string): { ok: true; value: false | number | string } | { ok: false; problem: string } {
  if (value === '' || value.toLowerCase() === 'false') return { ok: true, value: false };
  if (value.toLowerCase() === 'true') return { ok: false, problem: TRUST_PROXY_TRUE };
  if (/^\d+$/.test(value)) return { ok: true, value: Number(value) };
  try {
    proxyAddr.compile(value.split(',').map((s) => s.trim()));
  } catch (err) {
    return {
      ok: false,
      problem: `must be false, a hop count, or the proxies' addresses or subnets, comma-separated (got ${JSON.stringify(value)}: ${(err as Error).message})`,
    };
  }
  return { ok: true, value };
}
