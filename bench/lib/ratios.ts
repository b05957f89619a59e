/**
 * Issue #20's targets: Papo's figures as ratios to the Faye peer's and to the durable floor's, measured in the
 * same round of the same run, so the machine of the day divides out. Each ratio is computed within a round
 * (the scenarios of a round run one after the other), and the summary shows the median over the rounds.
 */

export interface Ratio {
  key: string;
  figure: string;
  /** Papo's figure (or, for the work floor's own rows, the work floor's) and the one it is divided by. */
  papo: string;
  over: string;
  /** The target, when issue #20 sets one: at least (throughput) or at most (latency, CPU). */
  target?: { atLeast: number } | { atMost: number };
}

const PAPO = { throughput: 'throughput.delivered_per_s', p99: 'deliver.delivery_p99_ms', cpu: 'deliver.cpu_us_per_msg' };
const FLOOR = {
  throughput: 'floor.durable.throughput.delivered_per_s',
  p99: 'floor.durable.deliver.delivery_p99_ms',
  cpu: 'floor.durable.deliver.cpu_us_per_msg',
};
/** The durable floor that also syncs each acknowledgement's receipts, as Papo must (no target: what that write costs). */
const FLOOR_RECEIPTS = {
  throughput: 'floor.durable_receipts.throughput.delivered_per_s',
  cpu: 'floor.durable_receipts.deliver.cpu_us_per_msg',
};
/**
 * The floor that keeps Papo's records in Papo's files (FLOOR_WORK=papo, bench/floor/floor-records.ts): its
 * ratios to the durable floor and to Faye say whether a target can be met by a Node server doing this work at
 * all (issue #20's "done when"); Papo's ratios to it say how much of the gap is Papo's own.
 */
const FLOOR_WORK = {
  throughput: 'floor.papo_work.throughput.delivered_per_s',
  p99: 'floor.papo_work.deliver.delivery_p99_ms',
  cpu: 'floor.papo_work.deliver.cpu_us_per_msg',
};
const FAYE = { throughput: 'faye.throughput.delivered_per_s', p99: 'faye.deliver.delivery_p99_ms', cpu: 'faye.deliver.cpu_us_per_msg' };

const FIGURE_NAMES = {
  throughput: 'closed-loop throughput',
  p99: 'delivery p99 at 1,000 msg/s',
  cpu: 'server CPU a message at 1,000 msg/s',
};

export const RATIOS: Ratio[] = [
  {
    key: 'throughput_over_faye',
    figure: 'closed-loop throughput, Papo / Faye',
    papo: PAPO.throughput,
    over: FAYE.throughput,
    target: { atLeast: 1 },
  },
  {
    key: 'throughput_over_floor',
    figure: 'closed-loop throughput, Papo / durable floor',
    papo: PAPO.throughput,
    over: FLOOR.throughput,
    target: { atLeast: 0.9 },
  },
  { key: 'p99_over_faye', figure: 'delivery p99 at 1,000 msg/s, Papo / Faye', papo: PAPO.p99, over: FAYE.p99, target: { atMost: 1 } },
  {
    key: 'p99_over_floor',
    figure: 'delivery p99 at 1,000 msg/s, Papo / durable floor',
    papo: PAPO.p99,
    over: FLOOR.p99,
    target: { atMost: 1.5 },
  },
  { key: 'cpu_over_faye', figure: 'server CPU a message at 1,000 msg/s, Papo / Faye', papo: PAPO.cpu, over: FAYE.cpu },
  {
    key: 'cpu_over_floor',
    figure: 'server CPU a message at 1,000 msg/s, Papo / durable floor',
    papo: PAPO.cpu,
    over: FLOOR.cpu,
    target: { atMost: 1.5 },
  },
  {
    key: 'throughput_over_floor_receipts',
    figure: 'closed-loop throughput, Papo / durable floor with receipts',
    papo: PAPO.throughput,
    over: FLOOR_RECEIPTS.throughput,
  },
  {
    key: 'cpu_over_floor_receipts',
    figure: 'server CPU a message at 1,000 msg/s, Papo / durable floor with receipts',
    papo: PAPO.cpu,
    over: FLOOR_RECEIPTS.cpu,
  },
  ...(['throughput', 'p99', 'cpu'] as const).flatMap((figure): Ratio[] => {
    const what = FIGURE_NAMES[figure];
    return [
      {
        key: `work_floor_${figure}_over_floor`,
        figure: `${what}, floor with Papo's records / durable floor`,
        papo: FLOOR_WORK[figure],
        over: FLOOR[figure],
      },
      ...(figure === 'cpu'
        ? []
        : [
            {
              key: `work_floor_${figure}_over_faye`,
              figure: `${what}, floor with Papo's records / Faye`,
              papo: FLOOR_WORK[figure],
              over: FAYE[figure],
            },
          ]),
      {
        key: `${figure}_over_work_floor`,
        figure: `${what}, Papo / floor with Papo's records`,
        papo: PAPO[figure],
        over: FLOOR_WORK[figure],
      },
    ];
  }),
];

/** The ratios one round's figures give (those whose two figures were both measured). */
export function roundRatios(figures: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of RATIOS) {
    const a = figures.get(r.papo);
    const b = figures.get(r.over);
    if (a !== undefined && b !== undefined && b > 0) out[r.key] = a / b;
  }
  return out;
}

export function targetText(r: Ratio): string {
  if (!r.target) return '(none)';
  return 'atLeast' in r.target ? `>= ${r.target.atLeast}x` : `<= ${r.target.atMost}x`;
}

export function meets(r: Ratio, value: number): boolean | undefined {
  if (!r.target) return undefined;
  return 'atLeast' in r.target ? value >= r.target.atLeast : value <= r.target.atMost;
}
