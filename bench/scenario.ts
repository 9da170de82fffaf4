/** The shape of a benchmark scenario, and how its runs become figures, ratios and targets. */
import type { Summary } from './stats.js';

/** The figures of one run, flat: `c1.workerUsPerTask`. */
export type Sample = Record<string, number>;

/** What one run is told. */
export interface RunContext {
  /** Shorter runs for development (`BENCH_QUICK=1`). */
  quick: boolean;
  /** 0-based index of this run: scenarios alternate what they measure first with it. */
  run: number;
}

/** A target from the issue, checked against the medians. */
export interface TargetCheck {
  /** What is compared, e.g. `c64 worker/bare`. */
  figure: string;
  value: number;
  /** The target, e.g. `≤ 1.10`. */
  target: string;
  met: boolean;
}

/** One benchmark scenario. Each run happens in a fresh process (`--expose-gc`). */
export interface Scenario {
  /** Key in the results and on the command line, e.g. `sdkOverhead`. */
  readonly name: string;
  /** One line on what it measures. */
  readonly title: string;
  /** How many runs: several for the cheap ones, fewer for the heavy ones. */
  runs(quick: boolean): number;
  /** One run, in its own process. */
  measure(ctx: RunContext): Promise<Sample>;
  /**
   * Adds ratios to the nested figures (`json`, medians with min and max, mutable) and checks the targets.
   * `get` reads one summarized figure by its flat key.
   */
  finish(json: Record<string, unknown>, get: (key: string) => Summary | undefined): TargetCheck[];
}

/** Sets `value` at a dotted path of `json`, creating the objects on the way. */
export function setPath(json: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = json;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Median of `a` over median of `b`, or NaN when either is missing. */
export function ratioOf(get: (key: string) => Summary | undefined, a: string, b: string): number {
  const x = get(a)?.median;
  const y = get(b)?.median;
  return x === undefined || y === undefined || y === 0 ? Number.NaN : x / y;
}

/**
 * The ratio a target is judged on: the median over runs of the ratio within each run (`runKey`), where
 * both sides met the same machine; between runs a shared machine drifts more than the effect measured.
 * Falls back to the ratio of the medians (`a` over `b`) when the runs recorded no ratio.
 */
export function pairedRatio(get: (key: string) => Summary | undefined, runKey: string, a: string, b: string): number {
  return get(runKey)?.median ?? ratioOf(get, a, b);
}
