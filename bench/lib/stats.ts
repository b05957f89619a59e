/** Latency summaries: exact percentiles over every sample (a run holds at most a few hundred thousand). */

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.length === 0 ? NaN : sum / sorted.length,
  };
}

/** The cumulative distribution as at most `points` (latency, fraction at or below it) pairs, for a chart. */
export function cdf(samples: readonly number[], points = 200): [number, number][] {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const out: [number, number][] = [];
  for (let k = 1; k <= points; k++) {
    const i = Math.min(sorted.length - 1, Math.ceil((k / points) * sorted.length) - 1);
    out.push([Math.max(sorted[i] ?? 0, 0.001), (i + 1) / sorted.length]);
  }
  return out;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

/**
 * CPU microseconds of a `process.cpuUsage()` difference. The load generator reports its own: on a 2-core
 * machine it shares the cores with the server, so what it spends is CPU the server did not get.
 */
export function cpuMicros(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}
