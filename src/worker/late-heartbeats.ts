import type { Clock } from '../swf/clock.js';
import type { WorkerLogger } from './options.js';

/** @internal How often, at most, the worker warns that heartbeats wait long for its budget. */
export const LATE_HEARTBEAT_WARNING_INTERVAL_MS = 60_000;

/**
 * @internal Returns the budget's lateness callback: a `warn` that heartbeats wait long for the worker's
 * heartbeat budget, at most once per {@link LATE_HEARTBEAT_WARNING_INTERVAL_MS}.
 */
export function lateHeartbeatWarning(
  clock: Clock,
  log: WorkerLogger,
  maxHeartbeatsPerSecond: number,
  runningTasks: () => number,
): (waitedMs: number, waiting: number) => void {
  let warnedAt = Number.NEGATIVE_INFINITY;
  return (waitedMs, waiting) => {
    const now = clock.now();
    if (now - warnedAt < LATE_HEARTBEAT_WARNING_INTERVAL_MS) return;
    warnedAt = now;
    log.warn(
      { waitedMs, waiting, maxHeartbeatsPerSecond, runningTasks: runningTasks() },
      `heartbeats wait ${Math.round(waitedMs / 1000)} s for the worker's budget of ${maxHeartbeatsPerSecond}/s; ` +
        'tasks may time out by heartbeat: raise maxHeartbeatsPerSecond (SWF allows 160/s per account), lengthen heartbeat timeouts, or lower maxConcurrentTasks',
    );
  };
}
