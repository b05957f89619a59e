/** The targets of issue 4 on a 2-core machine, each read from the figures the scenarios report. */

export interface Target {
  figure: string;
  target: string;
  /** Measured value as text, and whether it meets the target; undefined when the scenario did not run. */
  check(f: (key: string) => number | undefined): { measured: string; met: boolean } | undefined;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;
/** The figures named by `keys`, or undefined when one is missing (its scenario did not run). */
function need<K extends readonly string[]>(f: (key: string) => number | undefined, ...keys: K): { [I in keyof K]: number } | undefined {
  const values = keys.map(f);
  return values.every((v): v is number => v !== undefined && Number.isFinite(v)) ? (values as { [I in keyof K]: number }) : undefined;
}

export const TARGETS: Target[] = [
  {
    figure: 'deliver, 1,000 held polls, 1,000 msg/s offered: all delivered',
    target: 'all offered delivered',
    check: (f) => {
      const v = need(f, 'deliver.delivered_fraction', 'deliver.delivered_per_s', 'deliver.offered_per_s');
      if (!v) return undefined;
      const [a, b, offered] = v;
      // All of them, and at the rate offered (a server that falls behind delivers them all, late).
      return { measured: `${(a * 100).toFixed(1)}% at ${b.toFixed(0)} of ${offered} msg/s`, met: a >= 0.999 && b >= 0.98 * offered };
    },
  },
  {
    figure: 'deliver: delivery p50 / p99',
    target: '<= 1 ms / <= 5 ms',
    check: (f) => {
      const v = need(f, 'deliver.delivery_p50_ms', 'deliver.delivery_p99_ms');
      if (!v) return undefined;
      const [a, b] = v;
      return { measured: `${ms(a)} / ${ms(b)}`, met: a <= 1 && b <= 5 };
    },
  },
  {
    figure: 'throughput, durable, session-checked (32 senders)',
    target: '>= 6,000 msg/s, send p99 <= 25 ms',
    check: (f) => {
      const v = need(f, 'throughput.delivered_per_s', 'throughput.send_p99_ms');
      if (!v) return undefined;
      const [a, b] = v;
      return { measured: `${a.toFixed(0)} msg/s, p99 ${ms(b)}`, met: a >= 6000 && b <= 25 };
    },
  },
  {
    figure: 'server CPU per delivered message (deliver)',
    target: '<= 150 µs',
    check: (f) => {
      const v = need(f, 'deliver.cpu_us_per_msg');
      if (!v) return undefined;
      const [a] = v;
      return { measured: `${a.toFixed(0)} µs`, met: a <= 150 };
    },
  },
  {
    figure: 'idle: RSS per held poll above the idle baseline (settled)',
    target: '<= 12 KB',
    check: (f) => {
      const v = need(f, 'idle.rss_kb_per_poll');
      if (!v) return undefined;
      const [a] = v;
      return { measured: `${a.toFixed(2)} KB`, met: a <= 12 };
    },
  },
  {
    figure: 'login-storm, 10 sign-ups/s: delivery p99 during (calm)',
    target: '<= 20 ms',
    check: (f) => {
      const v = need(f, 'login-storm.storm_p99_ms', 'login-storm.calm_p99_ms');
      if (!v) return undefined;
      const [a, b] = v;
      return { measured: `${ms(a)} (${ms(b)})`, met: a <= 20 };
    },
  },
  {
    figure: 'newest history page, 1M lines (10k lines)',
    target: 'p50 <= 5 ms, within 2x of 10k',
    check: (f) => {
      const v = need(f, 'scale.history_1M.newest_p50_ms', 'scale.history_10k.newest_p50_ms');
      if (!v) return undefined;
      const [a, b] = v;
      return { measured: `${ms(a)} (${ms(b)})`, met: a <= 5 && a <= 2 * b };
    },
  },
  {
    figure: 'start with 1M undelivered queued messages',
    target: '<= 5 s',
    check: (f) => {
      const v = need(f, 'scale.start_1M_queued_ms');
      if (!v) return undefined;
      const [a] = v;
      return { measured: `${(a / 1000).toFixed(2)} s`, met: a <= 5000 };
    },
  },
];
