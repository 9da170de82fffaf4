/**
 * Issue #4, faults before and after the call is applied (lost answers): every activity still
 * completed exactly once, and no result lost.
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
    `${config.lossyActivities} activities, faults before or after the call is applied: every activity completes exactly once; a lost answer is not a lost result`,
    async () => {
      onTestFailed(() => {
        console.error(`reliability chaos seed: ${config.seed} (rerun with FLOWY_RELIABILITY_SEED=${config.seed})`);
      });
      runs.clear();
      const total = config.lossyActivities;
      // 'after' faults lose answers of applied calls: a poll's task is then handed out and never seen,
      // so it times out (start-to-close, 8 s here) and the decider schedules it again. Throttling is
      // left to chaos.test.ts: it only ever strikes before a call is applied, as with SWF.
      const chaos: ChaosOptions = { seed: config.seed, errorRate: 0.05, resetRate: 0.03, latencyMs: 1, when: 'both' };
      const { workers, plans, tasks } = await runUnderChaos(chaos, total, 8);

      const items = byItem(tasks);
      const planned = [...plans.values()].flat();
      expect(items.size).toBe(planned.length);
      for (const item of planned) {
        const attempts = items.get(item) ?? [];
        const completed = attempts.filter((t) => t.closedAs === 'ActivityTaskCompleted');
        expect(completed.length, `completions of ${item}`).toBe(1);
        expect(completed[0]?.result).toBe(JSON.stringify(`done:${item}`));
        // Only the last attempt completes; any earlier one timed out because its poll's answer was lost.
        expect(attempts.at(-1)?.closedAs, item).toBe('ActivityTaskCompleted');
        for (const t of attempts.slice(0, -1)) expect([t.closedAs, t.timeoutType], t.activityId).toEqual(['ActivityTaskTimedOut', 'START_TO_CLOSE']);
      }
      // A task that timed out was never run here: it was lost on the way to the worker, not dropped by it.
      for (const t of tasks) {
        if (t.closedAs === 'ActivityTaskTimedOut') expect(runs.get(t.activityId), t.activityId).toBeUndefined();
        else expect(runs.get(t.activityId), t.activityId).toBe(1);
      }
      // A respond applied whose answer was lost is counted completed (logged as already done), not lost or failed.
      expect(sumOutcome(workers, 'completed')).toBe(planned.length);
      expect(sumOutcome(workers, 'failed')).toBe(0);
      expect(sumOutcome(workers, 'timed-out')).toBe(0);
      // And that path was taken: some responses were applied, lost their answer, and were logged as done.
      expect(probablyApplied(workers)).toBeGreaterThan(0);
      expect(workers.reduce((n, w) => n + w.metrics.totalRetries(), 0)).toBeGreaterThan(0);
    },
    closeWithinMs(config.lossyActivities) + 60_000,
  );
});
