/** Seeded fault injection and added latency for the HTTP layer. @internal */

/** Fault injection and added latency, reproducible from a seed. */
export interface ChaosOptions {
  /** Seed of the pseudo-random source: the same seed gives the same faults for the same calls. */
  seed: number;
  /** Share of calls answered `InternalFailure` (HTTP 500), 0..1. @default 0 */
  errorRate?: number;
  /** Share of calls answered `ThrottlingException` (HTTP 400), 0..1; always before the call is applied, as SWF does. @default 0 */
  throttleRate?: number;
  /** Share of calls whose socket is destroyed without an answer, 0..1. @default 0 */
  resetRate?: number;
  /** Milliseconds added before every call is applied. @default 0 */
  latencyMs?: number;
  /**
   * When a fault strikes: `'before'` the call is applied (nothing happens), `'after'` it was applied and
   * its answer is replaced by the fault (as when an answer is lost on the way back), `'both'` either.
   * @default 'before'
   */
  when?: 'before' | 'after' | 'both';
}

/** The fault chosen for a call, if any. */
export type ChaosFault = 'error' | 'throttle' | 'reset';

/** mulberry32: a small, fast, seedable PRNG; plenty for fault injection. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, call by call, which fault strikes and when. */
export class Chaos {
  private readonly random: () => number;
  readonly latencyMs: number;
  private readonly when: 'before' | 'after' | 'both';

  constructor(private readonly options: ChaosOptions) {
    for (const key of ['errorRate', 'throttleRate', 'resetRate'] as const) {
      const rate = options[key];
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new TypeError(`chaos.${key} is ${rate}; it must be between 0 and 1`);
    }
    const total = (options.errorRate ?? 0) + (options.throttleRate ?? 0) + (options.resetRate ?? 0);
    if (total > 1) throw new TypeError(`chaos rates add up to ${total}; together they must be at most 1`);
    this.random = mulberry32(options.seed);
    this.latencyMs = options.latencyMs ?? 0;
    this.when = options.when ?? 'before';
  }

  /** Draws the fault for one phase of a call; always draws, so a run's sequence depends only on the calls. */
  pick(phase: 'before' | 'after'): ChaosFault | undefined {
    const r = this.random();
    if (this.when !== 'both' && this.when !== phase) return undefined;
    const { errorRate = 0, throttleRate = 0, resetRate = 0 } = this.options;
    if (r < errorRate) return 'error';
    // SWF throttles before it applies a call, never after: a throttle drawn for the after phase is no fault.
    if (r < errorRate + throttleRate) return phase === 'before' ? 'throttle' : undefined;
    if (r < errorRate + throttleRate + resetRate) return 'reset';
    return undefined;
  }
}
