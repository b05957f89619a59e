import type { Series } from './svg.js';

/** A profile of the server: V8's CPU profile (`--cpu-prof`), or what it allocated (`--alloc-prof`). */
export interface Profiling {
  kind: 'cpu' | 'alloc';
  /** The folder the profiles are written to, one a server process. */
  dir: string;
}

/** What every scenario gets from the runner. */
export interface BenchContext {
  quick: boolean;
  /** What the server profiles and where it writes it, when `--cpu-prof` or `--alloc-prof` was given. */
  profile: Profiling | undefined;
  progress(message: string): void;
}

/** A figure the summary table holds against a target of issue 4. */
export interface Figure {
  /** Stable key, e.g. `deliver.delivery_p99_ms`. */
  key: string;
  value: number;
}

export interface ScenarioResult {
  /** Rows of the scenario's own table, printed as they are. */
  table: Record<string, string | number>[];
  figures: Figure[];
  /** Everything measured, for the JSON file. */
  details: Record<string, unknown>;
  /** Series this run contributes to the charts, by chart name. */
  charts?: Record<string, Series[]>;
  /** Requests that failed; any makes `npm run bench` exit non-zero. */
  errors: number;
}

export interface Scenario {
  name: string;
  /** One line for `npm run bench -- --help`: what it loads the server with and what it measures. */
  summary: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
