/**
 * Issue #4, faults before the call is applied: thousands of activities through four workers,
 * every one completed exactly once.
 * Sizes and seed come from the environment; see docs/reliability.md.
 */
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import type { ChaosOptions } from '../../src/local/chaos.js';
import { byItem, cleanUpChaosRun, closeWithinMs, probablyApplied, runs, runUnderChaos, sumOutcome, WORKERS } from './chaos-run.js';
import { reliabilityConfig } from './harness.js';

const config = reliabilityConfig();

afterEach(cleanUpChaosRun);

describe(`reliability: ${WORKERS} workers under chaos`, () => {
  it(
    `${config.activities} activities, faults before the call is applied: every activity completes exactly once; none times out, fails or runs twice`,
    async () => {
      onTestFailed(() => {
        console.error(`reliability chaos seed: ${config.seed} (rerun with FLOWY_RELIABILITY_SEED=${config.seed})`);
      });
      runs.clear();
      const chaos: ChaosOptions = { seed: config.seed, errorRate: 0.04, throttleRate: 0.04, resetRate: 0.02, latencyMs: 1, when: 'before' };
      const { workers, plans, tasks } = await runUnderChaos(chaos, config.activities, 60);

      const items = byItem(tasks);
      const planned = [...plans.values()].flat();
      expect(items.size).toBe(planned.length);
      for (const item of planned) {
        const attempts = items.get(item) ?? [];
        // Nothing is lost before it is applied, so one task per item, completed with its own result.
        expect(attempts.map((t) => t.closedAs), item).toEqual(['ActivityTaskCompleted']);
        expect(attempts[0]?.result).toBe(JSON.stringify(`done:${item}`));
      }
      expect(tasks.filter((t) => t.closedAs === 'ActivityTaskTimedOut')).toEqual([]);
      // At most once: each task ran once, in exactly one worker.
      expect(runs.size).toBe(planned.length);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      // What the workers say they reported is what history holds.
      expect(sumOutcome(workers, 'completed')).toBe(planned.length);
      expect(sumOutcome(workers, 'failed')).toBe(0);
      expect(sumOutcome(workers, 'timed-out')).toBe(0);
      // No answer is lost before a call is applied, so no response can look already applied.
      expect(probablyApplied(workers)).toBe(0);
      // Chaos did strike the workers, and they retried: otherwise this test proves nothing.
      const retried = workers.reduce((n, w) => n + w.metrics.totalRetries(), 0);
      expect(retried).toBeGreaterThan(0);
      expect(workers.reduce((n, w) => n + (w.metrics.retries.get('RespondActivityTaskCompleted') ?? 0), 0)).toBeGreaterThan(0);
      // Every worker got work.
      for (const w of workers) expect(w.metrics.outcomes.get('completed') ?? 0, w.worker.identity).toBeGreaterThan(0);
    },
    closeWithinMs(config.activities) + 60_000,
  );
});
