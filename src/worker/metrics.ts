/** How a poll ended: a task came, SWF answered with no task (`taskToken` empty or absent), or the call failed. */
export type PollOutcome = 'task' | 'empty' | 'error';

/**
 * How a task ended for this worker.
 * - `completed`, `failed`, `canceled`: the worker reported it so.
 * - `suspended`: the activity threw `SuspendTask`; the slot was freed without a response.
 * - `timed-out`: the task was closed or timed out in SWF before a response could take effect.
 */
export type TaskOutcome = 'completed' | 'failed' | 'canceled' | 'suspended' | 'timed-out';

/** What a heartbeat call learned: go on, cancel requested, task closed, or the call failed (the activity goes on). */
export type HeartbeatOutcome = 'ok' | 'cancel-requested' | 'closed' | 'error';

/** The SWF operations the worker calls. */
export type SwfOperation =
  | 'PollForActivityTask'
  | 'RecordActivityTaskHeartbeat'
  | 'RespondActivityTaskCompleted'
  | 'RespondActivityTaskFailed'
  | 'RespondActivityTaskCanceled';

/**
 * Where the worker reports what it does; wire it to Prometheus, StatsD or anything else. Every method
 * must be cheap and must not throw: they run on the task path. Any method left out is a no-op.
 */
export interface WorkerMetrics {
  /** One poll ended. */
  poll(outcome: PollOutcome): void;
  /** One task ended; `seconds` from the poll's answer to the end of the response. */
  taskFinished(activityType: string, version: string, outcome: TaskOutcome, seconds: number): void;
  /** Slots held right now (open polls plus running tasks). */
  slotsInUse(n: number): void;
  /** One heartbeat call ended (after its retries). */
  heartbeat(outcome: HeartbeatOutcome): void;
  /** One SWF call ended, after its retries: `ok` or `error`. */
  swfCall(operation: SwfOperation, outcome: 'ok' | 'error'): void;
  /** One SWF call is retried after a transient error. */
  swfRetry(operation: SwfOperation): void;
  /** An activity yielded one progress value (`async *run()`). */
  progress(activityType: string, version: string): void;
}

const noop = (): void => {};

/** A {@link WorkerMetrics} that records nothing: the default. */
export const noopMetrics: WorkerMetrics = Object.freeze({
  poll: noop,
  taskFinished: noop,
  slotsInUse: noop,
  heartbeat: noop,
  swfCall: noop,
  swfRetry: noop,
  progress: noop,
});

/** @internal Fills the methods a partial sink leaves out with no-ops, bound to the sink. */
export function completeMetrics(metrics: Partial<WorkerMetrics> | undefined): WorkerMetrics {
  if (!metrics) return noopMetrics;
  // A sink that throws must not break a poll or a task: its errors are dropped.
  const bind = <K extends keyof WorkerMetrics>(key: K): WorkerMetrics[K] => {
    const fn = metrics[key] as ((...args: unknown[]) => void) | undefined;
    if (typeof fn !== 'function') return noop;
    return ((...args: unknown[]) => {
      try {
        fn.apply(metrics, args);
      } catch {
        // Metrics are best effort.
      }
    }) as WorkerMetrics[K];
  };
  return {
    poll: bind('poll'),
    taskFinished: bind('taskFinished'),
    slotsInUse: bind('slotsInUse'),
    heartbeat: bind('heartbeat'),
    swfCall: bind('swfCall'),
    swfRetry: bind('swfRetry'),
    progress: bind('progress'),
  };
}
